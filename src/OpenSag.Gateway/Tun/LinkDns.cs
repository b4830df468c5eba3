using System.Net;

namespace OpenSag.Gateway.Tun;

/// <summary>
/// Points an interface's DNS at the servers the gateway gave (AppDNS) through systemd-resolved's per-link settings
/// (<c>resolvectl dns NAME S1 S2</c>). Only the servers: no routing domain is set, so resolved uses them as it uses
/// any link's servers without a domain, for names no other link claims by a routing domain; a "~." domain, which
/// would send every name to them, is left to the operator. Elsewhere (no resolved) nothing is changed and the caller
/// says so. Synchronous, like <see cref="LinkConfig"/>.
/// </summary>
public static class LinkDns
{
    private const string ResolvedRuntimeDirectory = "/run/systemd/resolve";

    /// <summary>
    /// Applies <paramref name="servers"/> to the interface when systemd-resolved runs (/run/systemd/resolve/ exists
    /// and resolvectl is on PATH). Never throws for what the gateway sent: servers that are not IP addresses are
    /// refused with an outcome.
    /// </summary>
    /// <param name="outcome">One line for the user either way: what was applied, or why not (e.g. "systemd-resolved is
    /// not running; DNS servers not applied: 198.18.0.53").</param>
    /// <returns>True when applied.</returns>
    public static bool TryApply(string interfaceName, IReadOnlyList<string> servers, out string outcome)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var list = string.Join(' ', servers);
        if (servers.Count == 0)
        {
            outcome = "the gateway offered no DNS servers; DNS settings not changed";
            return false;
        }

        // Only addresses reach resolvectl's command line (the list comes from the gateway).
        var invalid = servers.FirstOrDefault(server => !IPAddress.TryParse(server, out _));
        if (invalid is not null)
        {
            outcome = $"'{invalid}' is not an IP address; DNS servers not applied: {list}";
            return false;
        }

        var resolvectl = ToolProcess.OnPath("resolvectl");
        if (resolvectl is null || !Directory.Exists(ResolvedRuntimeDirectory))
        {
            outcome = "systemd-resolved is not running; DNS servers not applied: " + list;
            return false;
        }

        try
        {
            var result = ToolProcess.Run(resolvectl, ["dns", interfaceName, .. servers]);
            outcome = result.ExitCode == 0
                ? $"DNS servers {list} set on {interfaceName} through systemd-resolved"
                : $"resolvectl dns failed ({result.Error}); DNS servers not applied: {list}";
            return result.ExitCode == 0;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            outcome = $"resolvectl dns failed ({e.Message}); DNS servers not applied: {list}";
            return false;
        }
    }

    /// <summary>
    /// Undoes <see cref="TryApply"/> (<c>resolvectl revert NAME</c>); quiet when resolved or the interface is gone
    /// (a deleted interface takes its resolved settings with it anyway).
    /// </summary>
    public static void Revert(string interfaceName)
    {
        var resolvectl = ToolProcess.OnPath("resolvectl");
        if (resolvectl is null || !Directory.Exists(ResolvedRuntimeDirectory))
        {
            return;
        }

        try
        {
            _ = ToolProcess.Run(resolvectl, ["revert", interfaceName]);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }
}
