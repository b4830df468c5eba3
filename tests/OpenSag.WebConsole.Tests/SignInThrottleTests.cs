using System.Net;
using OpenSag.WebConsole.SignIn;

namespace OpenSag.WebConsole.Tests;

public sealed class SignInThrottleTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly IPAddress Guesser = IPAddress.Parse("192.0.2.7");

    [Fact]
    public async Task Attempt_FiveFailures_SixthRefusedWithoutCheckingWithRetryAfter()
    {
        using var throttle = new SignInThrottle();
        for (var i = 0; i < SignInThrottle.FailuresPerWindow; i++)
        {
            var (failed, _) = await throttle.AttemptAsync(Guesser, () => Task.FromResult(false), CancellationToken.None).WaitAsync(Bound);
            Assert.False(failed);
        }

        var checkedAgain = false;
        var (accepted, retryAfter) = await throttle.AttemptAsync(Guesser, () => Task.FromResult(checkedAgain = true), CancellationToken.None).WaitAsync(Bound);

        Assert.Null(accepted);
        Assert.False(checkedAgain);
        Assert.True(retryAfter > TimeSpan.Zero && retryAfter <= SignInThrottle.Window, retryAfter.ToString());
    }

    [Fact]
    public async Task Attempt_OtherAddressAfterOneIsLimited_Checked()
    {
        using var throttle = new SignInThrottle();
        for (var i = 0; i <= SignInThrottle.FailuresPerWindow; i++)
        {
            await throttle.AttemptAsync(Guesser, () => Task.FromResult(false), CancellationToken.None).WaitAsync(Bound);
        }

        var (accepted, _) = await throttle.AttemptAsync(IPAddress.Parse("192.0.2.8"), () => Task.FromResult(true), CancellationToken.None).WaitAsync(Bound);

        Assert.True(accepted);
    }

    /// <summary>An IPv6 host owns a whole /64: guesses spread over its addresses share one count, as the gateway's do.</summary>
    [Fact]
    public async Task Attempt_FailuresFromAddressesOfOneIpv6Slash64_SixthRefused()
    {
        using var throttle = new SignInThrottle();
        for (var i = 1; i <= SignInThrottle.FailuresPerWindow; i++)
        {
            var (failed, _) = await throttle.AttemptAsync(IPAddress.Parse($"2001:db8:7:7::{i:x}"), () => Task.FromResult(false), CancellationToken.None).WaitAsync(Bound);
            Assert.False(failed);
        }

        var checkedAgain = false;
        var (accepted, _) = await throttle.AttemptAsync(IPAddress.Parse("2001:db8:7:7:dead:beef:1:2"), () => Task.FromResult(checkedAgain = true), CancellationToken.None).WaitAsync(Bound);
        var (otherPrefix, _) = await throttle.AttemptAsync(IPAddress.Parse("2001:db8:7:8::1"), () => Task.FromResult(true), CancellationToken.None).WaitAsync(Bound);

        Assert.Null(accepted);
        Assert.False(checkedAgain);
        Assert.True(otherPrefix);
    }

    [Fact]
    public async Task Attempt_ManySuccesses_CostNothing()
    {
        using var throttle = new SignInThrottle();
        for (var i = 0; i < 3 * SignInThrottle.FailuresPerWindow; i++)
        {
            var (accepted, _) = await throttle.AttemptAsync(Guesser, () => Task.FromResult(true), CancellationToken.None).WaitAsync(Bound);
            Assert.True(accepted);
        }

        var (failed, _) = await throttle.AttemptAsync(Guesser, () => Task.FromResult(false), CancellationToken.None).WaitAsync(Bound);
        Assert.False(failed);
    }

    /// <summary>
    /// Fifty guesses sent at once, each held until all have arrived: checking the count and recording a failure are two
    /// steps, so without one attempt at a time per address all fifty would pass the check before the first failure is
    /// recorded. With it, exactly the five allowed are checked.
    /// </summary>
    [Fact]
    public async Task Attempt_FiftyConcurrentGuesses_OnlyFiveChecked()
    {
        using var throttle = new SignInThrottle();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var checkedCount = 0;
        async Task<bool> Guess()
        {
            Interlocked.Increment(ref checkedCount);
            await release.Task;
            return false;
        }

        var attempts = Enumerable.Range(0, 50).Select(_ => throttle.AttemptAsync(Guesser, Guess, CancellationToken.None)).ToList();
        release.SetResult();
        var results = await Task.WhenAll(attempts).WaitAsync(Bound);

        Assert.Equal(SignInThrottle.FailuresPerWindow, checkedCount);
        Assert.Equal(SignInThrottle.FailuresPerWindow, results.Count(r => r.Accepted == false));
        Assert.Equal(50 - SignInThrottle.FailuresPerWindow, results.Count(r => r.Accepted is null));
    }
}
