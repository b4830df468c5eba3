using System.Net;
using OpenSag.Gateway.Packets;
using OpenSag.Gateway.Tun;

namespace OpenSag.Cli.Serve;

/// <summary><c>serve --tun NAME [--udp-listen HOST:PORT] [--client-routes CIDR,…]</c>, checked into <see cref="Layer3Options"/>.</summary>
internal static class Layer3Option
{
    /// <summary>The layer-3 settings, or null when <paramref name="tunName"/> is absent; each problem is added to <paramref name="errors"/>.</summary>
    public static Layer3Options? Parse(string? tunName, string? udpListen, string? clientRoutes, ListenAddress? gateway, IReadOnlyList<IPNetwork> tunnelAllow, List<string> errors)
    {
        if (tunName is null)
        {
            if (udpListen is not null)
            {
                errors.Add("--udp-listen needs --tun (the data channel is part of the layer-3 path).");
            }

            if (clientRoutes is not null)
            {
                errors.Add("--client-routes needs --tun (routes are pushed to layer-3 clients).");
            }

            return null;
        }

        var valid = true;
        if (!OperatingSystem.IsLinux())
        {
            errors.Add("--tun needs Linux (its TUN driver).");
            valid = false;
        }
        else
        {
            if (TunDevice.DescribeInvalidName(tunName) is { } nameError)
            {
                errors.Add("--tun: " + nameError);
                valid = false;
            }
        }

        IPEndPoint? udp = null;
        if (udpListen is null)
        {
            udp = gateway is null ? null : new IPEndPoint(gateway.Address, gateway.Port);
        }
        else if (ListenAddress.TryParse(udpListen, out var parsed, out var udpError))
        {
            udp = new IPEndPoint(parsed.Address, parsed.Port);
        }
        else
        {
            errors.Add("--udp-listen: " + udpError);
            valid = false;
        }

        var routes = new List<IPNetwork>();
        if (clientRoutes is null)
        {
            routes.AddRange(tunnelAllow);
        }
        else
        {
            foreach (var cidr in clientRoutes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (IPNetwork.TryParse(cidr, out var network) && network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
                {
                    routes.Add(network);
                }
                else
                {
                    errors.Add($"--client-routes: '{cidr}' is not an IPv4 CIDR block (for example 10.0.0.0/8).");
                    valid = false;
                }
            }
        }

        return valid && udp is not null ? new Layer3Options(tunName, udp, routes) : null;
    }
}
