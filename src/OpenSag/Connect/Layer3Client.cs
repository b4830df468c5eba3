using System.Runtime.Versioning;
using OpenSag.Client;
using OpenSag.Client.Packets;
using OpenSag.Gateway.Tun;

namespace OpenSag.Cli.Connect;

/// <summary>
/// <c>connect --tun</c>'s part of the client app: the interface, made before the first login and removed on exit, and
/// for each session its configuration (address, MTU, routes, DNS) and data channel.
/// </summary>
/// <param name="options">The interface's name, the transport, whether DNS is applied.</param>
/// <param name="gateway">The HOST:PORT dialled; UDP goes to that host.</param>
[SupportedOSPlatform("linux")]
internal sealed class Layer3Client(ClientInterface tunInterface, TunOptions options, string gateway)
{
    private string? _dnsOutcome;

    /// <summary>Creates the interface.</summary>
    /// <exception cref="TunUnavailableException">It cannot be created; the message is one line for the user.</exception>
    public static Layer3Client Create(TunOptions options, string gateway) => new(ClientInterface.Create(options.Name), options, gateway);

    /// <summary>
    /// Gives the interface the session's address, MTU, routes and DNS, and starts the session's data channel; null
    /// (after one line saying why) when the client cannot go on: the gateway offered no data channel, or the
    /// interface cannot be configured. A network failure opening the TLS fallback is thrown, to reconnect.
    /// </summary>
    public async Task<SessionDataChannel?> StartAsync(ClientSession session, CancellationToken cancellationToken)
    {
        if (session.Online.DataChannel is not { } offer)
        {
            await Console.Error.WriteLineAsync("opensag connect: the gateway accepted the login without a data channel (a gateway older than --tun?); cannot carry packets");
            return null;
        }

        try
        {
            // Off this thread: with inline socket completions (ConnectCommand) it may be the socket event thread, and
            // ip's output arrives through that very thread, so waiting for ip here never ended.
            await Task.Run(() => tunInterface.Configure(session.Online.ClientIp, offer), cancellationToken);
        }
        catch (Exception e) when (e is LinkConfigException or FormatException)
        {
            await Console.Error.WriteLineAsync($"opensag connect: cannot configure the interface {tunInterface.Name}: {e.Message}");
            return null;
        }

        if (options.ApplyDns && session.Online.Dns.Count > 0)
        {
            var outcome = await Task.Run(() => tunInterface.ApplyDns(session.Online.Dns), cancellationToken);
            if (outcome != _dnsOutcome)
            {
                // Once, and again only when it changes: a reconnect applies the servers again and says nothing new.
                _dnsOutcome = outcome;
                await Console.Error.WriteLineAsync("opensag connect: " + outcome);
            }
        }

        try
        {
            return await SessionDataChannel.StartAsync(tunInterface, session, options.Transport, gateway,
                message => Console.Error.WriteLine("opensag connect: " + message), TimeProvider.System, cancellationToken);
        }
        catch (Exception e) when (e is ArgumentException or TunnelRefusedException)
        {
            await Console.Error.WriteLineAsync("opensag connect: cannot start the data channel: " + (e is ArgumentException argument ? ArgumentMessage.Of(argument) : e.Message));
            return null;
        }
    }

    /// <summary>Removes the interface (and reverts its DNS), off the calling thread (see <see cref="StartAsync"/>).</summary>
    public Task RemoveAsync() => Task.Run(tunInterface.Dispose);
}
