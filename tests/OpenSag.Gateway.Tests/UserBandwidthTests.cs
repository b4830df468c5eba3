using OpenSag.Gateway.Tunnels;

namespace OpenSag.Gateway.Tests;

/// <summary>Per-user buckets live exactly as long as the user's sessions hold them (DESIGN.md §4.2, issue 9 item 9).</summary>
[Collection(HeapMeasurement.Name)]
public sealed class UserBandwidthTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(1, 1024)]
    [InlineData(2000, 16 * 1024)]
    [InlineData(200, 2500)]
    public void UserBandwidth_Rate_BurstBetweenOneKiBAndOneBuffer(int kbps, int expectedChunk)
    {
        using var share = new UserBandwidth().Join("sag-a", "alice01", kbps);
        Assert.Equal(expectedChunk, share.MaxChunk);
    }

    [Fact]
    public void UserBandwidth_HundredThousandUsersJoinAndLeave_NothingHeld()
    {
        var bandwidth = new UserBandwidth();
        bandwidth.Join("sag-a", "warm-up", 2000).Dispose();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < 100_000; i++)
        {
            var first = bandwidth.Join("sag-a", "user" + i, 2000);
            var second = bandwidth.Join("sag-a", "user" + i, 2000);
            first.Dispose();
            Assert.Equal(1, bandwidth.UserCount);
            second.Dispose();
            second.Dispose(); // idempotent: a second leave must not release someone else's hold
        }

        Assert.Equal(0, bandwidth.UserCount);
        // Kept buckets cost about 1 KB a user (two limiters, their timers, the key): 100 MB here. The margin is for
        // what other test classes, running in parallel, allocate meanwhile.
        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.True(grown < 16 * 1024 * 1024, $"the heap grew by {grown / 1024} KiB over 100,000 users who all left");
        GC.KeepAlive(bandwidth);
    }

    [Fact]
    public async Task UserBandwidth_LastSessionLeaves_BucketsDisposedAndLateAcquireFails()
    {
        var bandwidth = new UserBandwidth();
        var share = bandwidth.Join("sag-a", "alice01", 8);
        await share.AcquireUpstreamAsync(512, CancellationToken.None).AsTask().WaitAsync(Bound);

        share.Dispose();

        Assert.Equal(0, bandwidth.UserCount);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => share.AcquireUpstreamAsync(1, CancellationToken.None).AsTask().WaitAsync(Bound));
    }

    [Fact]
    public async Task UserBandwidth_RateChangedWhileAStreamWaits_WaiterMovesToTheNewBucketInsteadOfHanging()
    {
        var bandwidth = new UserBandwidth();
        // 8 Kbit/s = 1,000 B/s: the 1,124-token bucket is drained by the first acquisitions, so the next one queues
        // for seconds on the old limiter.
        using var slow = bandwidth.Join("sag-a", "alice01", 8);
        await slow.AcquireDownstreamAsync(1024, CancellationToken.None).AsTask().WaitAsync(Bound);
        await slow.AcquireDownstreamAsync(100, CancellationToken.None).AsTask().WaitAsync(Bound);
        var waiting = slow.AcquireDownstreamAsync(16 * 1024, CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted, "the drained bucket should make the acquisition wait");

        // A session admitted after the change joins at 20 Mbit/s: the old limiter is disposed and replaced.
        using var fast = bandwidth.Join("sag-a", "alice01", 20_000);

        await waiting.WaitAsync(Bound);
        Assert.Equal(1, bandwidth.UserCount);
        Assert.Equal(16 * 1024, slow.MaxChunk);
    }

    [Fact]
    public async Task UserBandwidth_MoreWaitersThanTheQueueHolds_ExtraStreamRefusedNotQueued()
    {
        var bandwidth = new UserBandwidth();
        using var share = bandwidth.Join("sag-a", "alice01", 8);
        await share.AcquireUpstreamAsync(1024, CancellationToken.None).AsTask().WaitAsync(Bound);
        await share.AcquireUpstreamAsync(100, CancellationToken.None).AsTask().WaitAsync(Bound);
        using var stop = new CancellationTokenSource();
        var waiters = Enumerable.Range(0, UserBandwidth.MaxWaitingStreams).Select(_ => share.AcquireUpstreamAsync(1024, stop.Token).AsTask()).ToArray();

        await Assert.ThrowsAsync<IOException>(() => share.AcquireUpstreamAsync(1024, CancellationToken.None).AsTask().WaitAsync(Bound));

        // The first waiters may have been served by refills meanwhile; the rest end with the cancellation, none hangs.
        await stop.CancelAsync();
        foreach (var waiter in waiters)
        {
            try
            {
                await waiter.WaitAsync(Bound);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
