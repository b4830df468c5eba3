using System.Collections.Concurrent;
using System.Security.Cryptography;
using OpenSag.Gateway.DataChannel;
using OpenSag.Gateway.Tunnels;

namespace OpenSag.Gateway.Packets;

/// <summary>
/// The process's layer-3 peers, found by the receiver index a datagram carries (from the client) and by ClientIp (a
/// packet's destination, from the network). Reads are lock-free (the packet threads); adds and removals, once per
/// session, take one lock. A user with a static ClientIp may hold it from several sessions: the newest gets the
/// address's packets, and when it leaves the newest remaining one does. Another holder's session never shares it
/// (<see cref="TryAdd"/>).
/// </summary>
public sealed class PacketRouter
{
    /// <summary>AES-256-GCM and ChaCha20-Poly1305 keys.</summary>
    public const int KeyBytes = 32;

    private readonly ConcurrentDictionary<uint, PacketPeer> _byIndex = new();
    private readonly ConcurrentDictionary<uint, PacketPeer> _byClientIp = new();
    private readonly Lock _gate = new();

    /// <summary>Every peer of each ClientIp, oldest first; guarded by <see cref="_gate"/>.</summary>
    private readonly Dictionary<uint, List<PacketPeer>> _holders = [];

    /// <summary>Peers registered now.</summary>
    public int Count => _byIndex.Count;

    /// <summary><see cref="TryAdd"/> for one holder's peers (tests, and callers that hold addresses otherwise).</summary>
    /// <exception cref="InvalidOperationException">Never for one holder: <see cref="TryAdd"/> refuses only another holder.</exception>
    public (PacketPeer Peer, string KeyToGateway, string KeyToClient, uint ClientIndex) Add(DataCipher cipher, uint clientIp, FlowMeter.Counter flow) =>
        TryAdd(cipher, clientIp, "", flow, out var added) ? added : throw new InvalidOperationException("unreachable: one holder");

    /// <summary>
    /// A new peer with fresh keys and a random receiver index unused in this process, registered at once, and what the
    /// client needs of it (keys in base64). The caller's session owns the peer and removes it with <see cref="Remove"/>.
    /// False, registering nothing, when peers of another <paramref name="holder"/> hold <paramref name="clientIp"/>:
    /// packets to an address go to one user's sessions only, whatever the address stores say. (They can disagree: an
    /// instance whose CidrBlock changed keeps its sessions on the old block's addresses, which another instance may
    /// then be given; both users' sessions on one address would get each other's packets.)
    /// </summary>
    /// <param name="holder">Whose address it is: the instance and user (e.g. <c>sag-…/alice</c>).</param>
    public bool TryAdd(DataCipher cipher, uint clientIp, string holder, FlowMeter.Counter flow, out (PacketPeer Peer, string KeyToGateway, string KeyToClient, uint ClientIndex) added)
    {
        ArgumentNullException.ThrowIfNull(holder);
        added = default;
        Span<byte> keys = stackalloc byte[2 * KeyBytes];
        RandomNumberGenerator.Fill(keys);
        try
        {
            var toGateway = keys[..KeyBytes];
            var toClient = keys[KeyBytes..];
            // The client has one session, so its index needs no uniqueness; random anyway (nothing to learn from it).
            var clientIndex = RandomIndex();
            var sealer = new PacketSealer(cipher, toClient, clientIndex);
            var opener = new PacketOpener(cipher, toGateway);
            lock (_gate)
            {
                if (_holders.TryGetValue(clientIp, out var current) && current.Count > 0 && current[0].Holder != holder)
                {
                    sealer.Dispose();
                    opener.Dispose();
                    return false;
                }

                PacketPeer peer;
                // 2^32 indexes against at most a few hundred thousand sessions: a retry is rare, a second one rarer.
                do
                {
                    peer = new PacketPeer(RandomIndex(), clientIp, holder, sealer, opener, flow);
                }
                while (!_byIndex.TryAdd(peer.GatewayIndex, peer));

                if (!_holders.TryGetValue(clientIp, out var holders))
                {
                    _holders[clientIp] = holders = [];
                }

                holders.Add(peer);
                _byClientIp[clientIp] = peer;
                added = (peer, Convert.ToBase64String(toGateway), Convert.ToBase64String(toClient), clientIndex);
                return true;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keys);
        }
    }

    /// <summary>The live peer a datagram's receiver index names, or null.</summary>
    public PacketPeer? FindByIndex(uint index) => _byIndex.GetValueOrDefault(index);

    /// <summary>The peer that receives packets for <paramref name="clientIp"/> (host order), or null.</summary>
    public PacketPeer? FindByClientIp(uint clientIp) => _byClientIp.GetValueOrDefault(clientIp);

    /// <summary>
    /// Unregisters the peer, then retires it (<see cref="PacketPeer.Retire"/>): when this returns no packet finds it,
    /// none is being processed, and its keys are gone. Idempotent.
    /// </summary>
    public void Remove(PacketPeer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        lock (_gate)
        {
            if (_byIndex.TryRemove(new KeyValuePair<uint, PacketPeer>(peer.GatewayIndex, peer)) && _holders.TryGetValue(peer.ClientIp, out var holders))
            {
                holders.Remove(peer);
                if (holders.Count == 0)
                {
                    _holders.Remove(peer.ClientIp);
                    _byClientIp.TryRemove(new KeyValuePair<uint, PacketPeer>(peer.ClientIp, peer));
                }
                else
                {
                    _byClientIp[peer.ClientIp] = holders[^1];
                }
            }
        }

        peer.Retire();
    }

    private static uint RandomIndex()
    {
        Span<byte> bytes = stackalloc byte[4];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToUInt32(bytes);
    }
}
