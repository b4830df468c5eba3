using System.Text.RegularExpressions;

namespace OpenSag.Cli.Serve;

/// <summary>A cluster node's name: what its rows in the shared session and lease tables are filed under.</summary>
internal static partial class NodeName
{
    public static bool IsValid(string name) => Pattern().IsMatch(name);

    /// <summary>
    /// Host name and gateway port: distinct for nodes on one machine, stable across restarts, so a restarted node
    /// clears what its previous run left. Port 0 (picked at bind time) gets a random suffix instead of a shared name.
    /// </summary>
    public static string Default(int gatewayPort)
    {
        var host = new string([.. Environment.MachineName.Where(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_').Take(40)]);
        var suffix = gatewayPort != 0 ? gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture) : Guid.NewGuid().ToString("N")[..12];
        return (host.Length > 0 ? host : "node") + "-" + suffix;
    }

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z")]
    private static partial Regex Pattern();
}
