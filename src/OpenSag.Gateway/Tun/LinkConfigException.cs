namespace OpenSag.Gateway.Tun;

/// <summary>An <c>ip</c> command of <see cref="LinkConfig"/> failed; the message is one line: the command and ip's stderr.</summary>
public sealed class LinkConfigException : Exception
{
    public LinkConfigException()
    {
    }

    public LinkConfigException(string message)
        : base(message)
    {
    }

    public LinkConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
