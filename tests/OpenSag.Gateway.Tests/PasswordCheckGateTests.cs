using OpenSag.Gateway.Sessions;

namespace OpenSag.Gateway.Tests;

/// <summary>
/// The gate with a controllable check: the password names the check, a check named "hold" blocks its slot until the
/// test releases it, every other check is recorded in the order the gate ran it.
/// </summary>
public sealed class PasswordCheckGateTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ManualResetEventSlim _release = new();
    private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _order = [];

    [Fact]
    public async Task VerifyAsync_FloodFromOneSource_AnotherSourceRunsNextNotLast()
    {
        var gate = Gate(perSource: 16);
        var hold = await HoldTheSlotAsync(gate);
        var flood = Enumerable.Range(0, 12).Select(i => gate.VerifyAsync($"a{i}", "", "192.0.2.1", CheckPriority.Clean, CancellationToken.None)).ToArray();
        var legitimate = gate.VerifyAsync("b", "", "198.51.100.7", CheckPriority.Clean, CancellationToken.None);

        _release.Set();
        await Task.WhenAll([hold, legitimate, .. flood]).WaitAsync(Timeout);

        // Round-robin: one of the flood's (it came first), then the other source's; first come first served put it 13th.
        Assert.Equal(["a0", "b", "a1", "a2"], _order.Take(4));
        Assert.Equal(0, gate.Pending);
        Assert.Equal(0, gate.Sources);
    }

    [Fact]
    public async Task VerifyAsync_RotatingSourcesWithFailures_CleanFirstTriesRunFirstAndFailingOnesEveryFourthTurn()
    {
        var gate = Gate(perSource: 16);
        var hold = await HoldTheSlotAsync(gate);
        var attackers = Enumerable.Range(0, 8).Select(i => gate.VerifyAsync($"x{i}", "", $"192.0.2.{i}", CheckPriority.SourceFailing, CancellationToken.None)).ToArray();
        var legitimate = Enumerable.Range(0, 6).Select(i => gate.VerifyAsync($"c{i}", "", $"198.51.100.{i}", CheckPriority.Clean, CancellationToken.None)).ToArray();

        _release.Set();
        await Task.WhenAll([hold, .. legitimate, .. attackers]).WaitAsync(Timeout);

        // Queued behind eight failing sources, the clean first tries go first, yet a failing source is not starved.
        Assert.Equal(["c0", "c1", "c2", "x0", "c3", "c4", "c5", "x1", "x2"], _order.Take(9));
    }

    [Fact]
    public async Task Load_OneCheckRunningTwoQueued_OneRunningTwoWaitingThenNone()
    {
        var gate = Gate(perSource: 16);
        var hold = await HoldTheSlotAsync(gate);
        var queued = Enumerable.Range(0, 2).Select(i => gate.VerifyAsync($"q{i}", "", $"192.0.2.{i}", CheckPriority.Clean, CancellationToken.None)).ToArray();

        Assert.Equal((2, 1), gate.Load);
        _release.Set();
        await Task.WhenAll([hold, .. queued]).WaitAsync(Timeout);
        Assert.Equal((0, 0), gate.Load);
    }

    [Fact]
    public async Task VerifyAsync_SourceOverItsCap_RefusedAsBusyWithoutASlot()
    {
        var gate = Gate(perSource: 3);
        var hold = await HoldTheSlotAsync(gate, source: "192.0.2.1");
        var queued = Enumerable.Range(0, 2).Select(i => gate.VerifyAsync($"a{i}", "", "192.0.2.1", CheckPriority.Clean, CancellationToken.None)).ToArray();

        var refused = await gate.VerifyAsync("a9", "", "192.0.2.1", CheckPriority.Clean, CancellationToken.None).WaitAsync(Timeout);
        var other = gate.VerifyAsync("b", "", "198.51.100.7", CheckPriority.Clean, CancellationToken.None);

        Assert.Equal(PasswordCheck.SourceBusy, refused);
        Assert.False(other.IsCompleted);
        _release.Set();
        Assert.Equal(PasswordCheck.Match, await other.WaitAsync(Timeout));
        await Task.WhenAll([hold, .. queued]).WaitAsync(Timeout);
        Assert.DoesNotContain("a9", _order);
    }

    [Fact]
    public async Task VerifyAsync_MoreChecksThanSlots_QueueAndRunOneAtATime()
    {
        var running = 0;
        var mostAtOnce = 0;
        var gate = new PasswordCheckGate(new GatewayOptions { PasswordCheckConcurrency = 1 }, (password, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            if (password == "hold")
            {
                _holding.TrySetResult();
                _release.Wait(Timeout);
            }

            Interlocked.Decrement(ref running);
            return true;
        });
        var first = Task.Run(() => gate.VerifyAsync("hold", "", "127.0.0.1", CheckPriority.Clean, CancellationToken.None));
        await _holding.Task.WaitAsync(Timeout);
        var queued = Enumerable.Range(0, 3).Select(_ => gate.VerifyAsync("pw", "", "127.0.0.1", CheckPriority.Clean, CancellationToken.None)).ToArray();

        Assert.Equal(4, gate.Pending);
        Assert.All(queued, t => Assert.False(t.IsCompleted));
        _release.Set();
        var results = await Task.WhenAll([first, .. queued]).WaitAsync(Timeout);

        Assert.All(results, r => Assert.Equal(PasswordCheck.Match, r));
        Assert.Equal(1, mostAtOnce);
        Assert.Equal(0, gate.Pending);
    }

    [Fact]
    public async Task VerifyAsync_CancelledWhileQueued_LeavesTheQueue()
    {
        var gate = Gate(perSource: 16);
        var hold = await HoldTheSlotAsync(gate);
        using var gaveUp = new CancellationTokenSource();

        var waiting = gate.VerifyAsync("gone", "", "198.51.100.7", CheckPriority.Clean, gaveUp.Token);
        await gaveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Timeout));
        Assert.Equal(1, gate.Pending);
        _release.Set();
        Assert.Equal(PasswordCheck.Match, await hold.WaitAsync(Timeout));
        Assert.Equal(0, gate.Pending);
        Assert.Equal(0, gate.Sources);
        Assert.DoesNotContain("gone", _order);
    }

    public void Dispose() => _release.Dispose();

    private PasswordCheckGate Gate(int perSource) =>
        new(new GatewayOptions { PasswordCheckConcurrency = 1, PasswordChecksPerSource = perSource }, (password, _) =>
        {
            if (password == "hold")
            {
                _holding.TrySetResult();
                _release.Wait(Timeout);
                return true;
            }

            lock (_order)
            {
                _order.Add(password);
            }

            return true;
        });

    /// <summary>Takes the only slot with a check that waits for <see cref="_release"/>; returns it running.</summary>
    private async Task<Task<PasswordCheck>> HoldTheSlotAsync(PasswordCheckGate gate, string source = "203.0.113.1")
    {
        var hold = Task.Run(() => gate.VerifyAsync("hold", "", source, CheckPriority.Clean, CancellationToken.None));
        await _holding.Task.WaitAsync(Timeout);
        return hold;
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }
}
