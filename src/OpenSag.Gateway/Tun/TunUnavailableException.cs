namespace OpenSag.Gateway.Tun;

/// <summary>
/// The TUN interface could not be made; <see cref="Exception.Message"/> is one line for the user saying why and what
/// to do, e.g. "cannot create the TUN interface opensag0: permission denied; it needs CAP_NET_ADMIN (run as root or
/// grant the capability)".
/// </summary>
public sealed class TunUnavailableException : Exception
{
    public TunUnavailableException()
    {
    }

    public TunUnavailableException(string message)
        : base(message)
    {
    }

    public TunUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
