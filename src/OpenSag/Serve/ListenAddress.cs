using System.Globalization;
using System.Net;

namespace OpenSag.Cli.Serve;

/// <summary>A <c>HOST:PORT</c> listener option: an IP literal (IPv6 in brackets) or <c>localhost</c>, port 0–65535 (0 = any free port).</summary>
internal sealed record ListenAddress(IPAddress Address, int Port)
{
    public static bool TryParse(string text, out ListenAddress address, out string error)
    {
        address = null!;
        error = "";
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            error = $"'{text}' is not HOST:PORT (for example 127.0.0.1:8080).";
            return false;
        }

        var host = text[..colon].Trim('[', ']');
        IPAddress? ip = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : null;
        if (ip is null && !IPAddress.TryParse(host, out ip))
        {
            error = $"'{host}' is not an IP address or localhost.";
            return false;
        }

        address = new ListenAddress(ip, port);
        return true;
    }

    public override string ToString() => new IPEndPoint(Address, Port).ToString();
}
