using OpenSag.Gateway.DataChannel;

namespace OpenSag.Gateway.Tests.DataChannel;

/// <summary>
/// The anti-replay window (RFC 6479), against WireGuard's own self-test of the same algorithm
/// (drivers/net/wireguard/selftest/counter.c), with our window of 2048 bits instead of its 8192.
/// </summary>
public sealed class ReplayWindowTests
{
    private const ulong Window = ReplayWindow.WindowSize;
    private const ulong Limit = TransportMessage.CounterLimit;

    // T_LIM of the self-test: the first counter that pushes counter 0 out of the window.
    private const ulong Lim = Window + 1;

    [Fact]
    public void ReplayWindow_WireGuardSelfTestSequence_SameVerdicts()
    {
        var window = new ReplayWindow();
        (ulong Counter, bool Accepted)[] steps =
        [
            (0, true), (1, true), (1, false), (9, true), (8, true), (7, true), (7, false), (Lim, true),
            (Lim - 1, true), (Lim - 1, false), (Lim - 2, true), (2, true), (2, false), (Lim + 16, true), (3, false),
            (Lim + 16, false), (Lim * 4, true), (Lim * 4 - (Lim - 1), true), (10, false), (Lim * 4 - Lim, false),
            (Lim * 4 - (Lim + 1), false), (Lim * 4 - (Lim - 2), true), (Lim * 4 + 1 - Lim, false), (0, false),
            (Limit, false), (Limit - 1, true), (Limit, false), (Limit - 1, false), (Limit - 2, true), (Limit + 1, false),
            (Limit + 2, false), (Limit - 2, false), (Limit - 3, true), (0, false),
        ];
        for (var i = 0; i < steps.Length; i++)
        {
            var (counter, accepted) = steps[i];
            Assert.True(window.Check(counter) == accepted, $"step {i + 1}: Check({counter})");
            Assert.True(window.TryCommit(counter) == accepted, $"step {i + 1}: TryCommit({counter})");
        }
    }

    [Fact]
    public void ReplayWindow_WholeWindowThenZero_ZeroStillInside()
    {
        var window = new ReplayWindow();
        for (ulong i = 1; i <= Window; i++)
        {
            Assert.True(window.TryCommit(i));
        }

        Assert.True(window.TryCommit(0));
        Assert.False(window.TryCommit(0));
    }

    [Fact]
    public void ReplayWindow_OnePastTheWindow_ZeroTooOldOneInside()
    {
        var window = new ReplayWindow();
        for (ulong i = 2; i <= Window + 1; i++)
        {
            Assert.True(window.TryCommit(i));
        }

        Assert.True(window.TryCommit(1));
        Assert.False(window.Check(0));
        Assert.False(window.TryCommit(0));
    }

    [Fact]
    public void ReplayWindow_DescendingFromTheTop_AllAccepted()
    {
        var window = new ReplayWindow();
        for (var i = Window + 1; i-- > 0;)
        {
            Assert.True(window.TryCommit(i), $"counter {i}");
        }

        var shifted = new ReplayWindow();
        for (var i = Window + 2; i-- > 1;)
        {
            Assert.True(shifted.TryCommit(i), $"counter {i}");
        }

        Assert.False(shifted.TryCommit(0));
    }

    [Fact]
    public void ReplayWindow_DescendingThenNewTop_ZeroOutside()
    {
        var window = new ReplayWindow();
        for (var i = Window + 1; i-- > 1;)
        {
            Assert.True(window.TryCommit(i));
        }

        Assert.True(window.TryCommit(Window + 1));
        Assert.False(window.TryCommit(0));

        var zeroFirst = new ReplayWindow();
        for (var i = Window + 1; i-- > 1;)
        {
            Assert.True(zeroFirst.TryCommit(i));
        }

        Assert.True(zeroFirst.TryCommit(0));
        Assert.True(zeroFirst.TryCommit(Window + 1));
    }

    [Fact]
    public void ReplayWindow_JumpFarAhead_WholeRingCleared()
    {
        var window = new ReplayWindow();
        for (ulong i = 0; i < 64 * 40; i += 3)
        {
            Assert.True(window.TryCommit(i));
        }

        // Far past everything: every old bit is gone, and nothing older than the window comes back.
        const ulong top = 1_000_000;
        Assert.True(window.TryCommit(top));
        for (var i = top - Window; i < top; i++)
        {
            Assert.True(window.Check(i), $"counter {i} is unseen and inside the window");
        }

        Assert.False(window.Check(top - Window - 1));
        Assert.False(window.Check(top));
    }

    [Fact]
    public void ReplayWindow_Check_ChangesNothing()
    {
        var window = new ReplayWindow();
        Assert.True(window.Check(5));
        Assert.True(window.Check(5));
        Assert.True(window.TryCommit(5));
        Assert.False(window.Check(5));
        Assert.True(window.Check(4));
    }
}
