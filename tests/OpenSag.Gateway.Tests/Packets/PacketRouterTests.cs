using OpenSag.Gateway.DataChannel;
using OpenSag.Gateway.Packets;
using OpenSag.Gateway.Tunnels;

namespace OpenSag.Gateway.Tests.Packets;

public sealed class PacketRouterTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public void Add_ManyPeers_GetsUniqueIndexesEachFindable()
    {
        var router = new PacketRouter();
        var peers = Enumerable.Range(0, 5000).Select(i => router.Add(DataCipher.Aes256Gcm, 0xC6120000u + (uint)i, new FlowMeter.Counter()).Peer).ToList();

        Assert.Equal(peers.Count, peers.Select(p => p.GatewayIndex).Distinct().Count());
        Assert.Equal(peers.Count, router.Count);
        Assert.All(peers, p => Assert.Same(p, router.FindByIndex(p.GatewayIndex)));
        Assert.All(peers, p => Assert.Same(p, router.FindByClientIp(p.ClientIp)));
    }

    [Fact]
    public void Add_KeysAndIndexes_AreFreshPerPeer()
    {
        var router = new PacketRouter();
        var first = router.Add(DataCipher.Aes256Gcm, 1, new FlowMeter.Counter());
        var second = router.Add(DataCipher.Aes256Gcm, 2, new FlowMeter.Counter());

        Assert.Equal(PacketRouter.KeyBytes, Convert.FromBase64String(first.KeyToGateway).Length);
        Assert.NotEqual(first.KeyToGateway, first.KeyToClient);
        Assert.NotEqual(first.KeyToGateway, second.KeyToGateway);
        Assert.NotEqual(first.KeyToClient, second.KeyToClient);
    }

    [Fact]
    public void Remove_Peer_IsFoundNoMoreAndRetired()
    {
        var router = new PacketRouter();
        var (peer, _, _, _) = router.Add(DataCipher.ChaCha20Poly1305, 7, new FlowMeter.Counter());

        router.Remove(peer);
        router.Remove(peer);

        Assert.Null(router.FindByIndex(peer.GatewayIndex));
        Assert.Null(router.FindByClientIp(7));
        Assert.True(peer.IsRetired);
        Assert.False(peer.TryEnter());
        Assert.Equal(0, router.Count);
    }

    [Fact]
    public void TryAdd_ClientIpHeldByAnotherUsersSession_RefusedAndTheHolderKeepsItsPackets()
    {
        // Instance A's session keeps 198.18.10.1 after A's CidrBlock moved; instance B, given the old block, leases
        // the same address to bob. Registered, bob's peer would take every packet to alice's address.
        var router = new PacketRouter();
        Assert.True(router.TryAdd(DataCipher.Aes256Gcm, 0xC6120A01, "sag-a/alice", new FlowMeter.Counter(), out var alice));

        Assert.False(router.TryAdd(DataCipher.Aes256Gcm, 0xC6120A01, "sag-b/bob", new FlowMeter.Counter(), out var bob));

        Assert.Null(bob.Peer);
        Assert.Same(alice.Peer, router.FindByClientIp(0xC6120A01));
        Assert.Equal(1, router.Count);
        // The same user's second session on its static address is still welcome, and once alice's sessions are gone
        // the address is free for another holder.
        Assert.True(router.TryAdd(DataCipher.Aes256Gcm, 0xC6120A01, "sag-a/alice", new FlowMeter.Counter(), out var again));
        router.Remove(alice.Peer);
        router.Remove(again.Peer);
        Assert.True(router.TryAdd(DataCipher.Aes256Gcm, 0xC6120A01, "sag-b/bob", new FlowMeter.Counter(), out bob));
        Assert.Same(bob.Peer, router.FindByClientIp(0xC6120A01));
    }

    [Fact]
    public void FindByClientIp_StaticAddressHeldTwice_NewestThenTheOther()
    {
        var router = new PacketRouter();
        var older = router.Add(DataCipher.Aes256Gcm, 9, new FlowMeter.Counter()).Peer;
        var newer = router.Add(DataCipher.Aes256Gcm, 9, new FlowMeter.Counter()).Peer;

        Assert.Same(newer, router.FindByClientIp(9));
        router.Remove(newer);
        Assert.Same(older, router.FindByClientIp(9));
        router.Remove(older);
        Assert.Null(router.FindByClientIp(9));
    }

    [Fact]
    public async Task Remove_PacketInFlight_ReturnsOnlyAfterItLeaves()
    {
        var router = new PacketRouter();
        var (peer, _, _, _) = router.Add(DataCipher.Aes256Gcm, 5, new FlowMeter.Counter());
        Assert.True(peer.TryEnter());

        var removal = Task.Run(() => router.Remove(peer));
        // The gate shuts first; with one packet inside, the removal cannot have returned, however long it has run.
        await Polling.UntilAsync(() => peer.IsRetired, Bound);
        Assert.False(removal.IsCompleted);
        Assert.False(peer.TryEnter());
        Assert.Null(router.FindByIndex(peer.GatewayIndex));

        peer.Exit();
        await removal.WaitAsync(Bound);
        Assert.Throws<ObjectDisposedException>(() => peer.Sealer.Seal([], new byte[TransportMessage.Overhead]));
    }
}

/// <summary>Waits for a condition without sleeping a fixed time: yields between checks, bounded.</summary>
internal static class Polling
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the condition did not come true within " + bound);
            }

            await Task.Yield();
        }
    }
}
