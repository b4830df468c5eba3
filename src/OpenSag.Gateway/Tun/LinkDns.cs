namespace OpenSag.Gateway.Tun;

/// <summary>
/// Points an interface's DNS at the servers the gateway gave (AppDNS) through systemd-resolved's per-link settings
/// (<c>resolvectl dns NAME S1 S2</c>). Only the servers: no routing domain is set, so resolved uses them as it uses
/// any link's servers without a domain (for names no other link claims by a routing domain; a "~." domain would send
/// every name to them and is left to the operator). Elsewhere (no resolved), nothing is changed and the caller says so.
/// Synchronous, like <see cref="LinkConfig"/>.
/// </summary>
public static class LinkDns
{
    /// <summary>
    /// Applies <paramref name="servers"/> to the interface when systemd-resolved runs (/run/systemd/resolve/ exists
    /// and resolvectl is on PATH).
    /// </summary>
    /// <param name="outcome">One line for the user either way: what was applied, or why not (e.g. "systemd-resolved is
    /// not running; DNS servers not applied: 198.18.0.53").</param>
    /// <returns>True when applied.</returns>
    public static bool TryApply(string interfaceName, IReadOnlyList<string> servers, out string outcome) => throw new NotImplementedException();

    /// <summary>Undoes <see cref="TryApply"/> (<c>resolvectl revert NAME</c>); quiet when resolved or the interface is gone.</summary>
    public static void Revert(string interfaceName) => throw new NotImplementedException();
}
