namespace OpenSag.Gateway.Tun;

/// <summary>
/// Whether this network namespace's kernel forwards IPv4 between interfaces, which a layer-3 gateway needs (packets
/// from its TUN leave by another interface). Read only: we never change sysctls; the operator does (<see cref="Fix"/>).
/// </summary>
public static class IpForwarding
{
    /// <summary>The command that turns it on (as root; persist it in /etc/sysctl.d to survive a reboot).</summary>
    public const string Fix = "sysctl -w net.ipv4.ip_forward=1";

    private const string SysctlPath = "/proc/sys/net/ipv4/ip_forward";

    /// <summary>True when /proc/sys/net/ipv4/ip_forward of the current namespace says 1; false when 0 or unreadable.</summary>
    public static bool IsEnabled()
    {
        try
        {
            return File.ReadAllText(SysctlPath).Trim() == "1";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
