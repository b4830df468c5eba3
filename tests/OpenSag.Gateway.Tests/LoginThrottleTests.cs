using OpenSag.Gateway.Security;
using OpenSag.Gateway.Sessions;

namespace OpenSag.Gateway.Tests;

[Collection(HeapMeasurement.Name)]
public sealed class LoginThrottleTests
{
    private static readonly GatewayOptions Defaults = new();

    [Fact]
    public void LoginThrottle_FailuresFromOneSource_LimitThatPairOnlyAndSayForHowLong()
    {
        var clock = new ManualTimeProvider();
        var throttle = new LoginThrottle(Defaults, clock);

        for (var i = 0; i < Defaults.LoginFailuresPerPair; i++)
        {
            Assert.Null(throttle.RetryAfter("sag-a/alice01", "203.0.113.9"));
            throttle.RecordFailure("sag-a/alice01", "203.0.113.9");
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        // The first counted failure leaves the one-minute window 60 s after it was made, 5 s ago.
        Assert.Equal(TimeSpan.FromSeconds(55), throttle.RetryAfter("sag-a/alice01", "203.0.113.9"));
        Assert.Null(throttle.RetryAfter("sag-a/alice01", "198.51.100.7"));
        Assert.Null(throttle.RetryAfter("sag-a/bobby01", "203.0.113.9"));

        clock.Advance(TimeSpan.FromSeconds(55));
        Assert.Null(throttle.RetryAfter("sag-a/alice01", "203.0.113.9"));
    }

    [Fact]
    public void LoginThrottle_ManyFailuresFromOneAddress_OtherUsersBehindItNotBlockedOnlySlowed()
    {
        var throttle = new LoginThrottle(Defaults, new ManualTimeProvider());
        for (var i = 0; i < 100; i++)
        {
            throttle.RecordFailure($"sag-a/u{i:D7}", "198.51.100.7");
        }

        Assert.Null(throttle.RetryAfter("sag-a/colleague", "198.51.100.7"));
        Assert.Equal(CheckPriority.SourceFailing, throttle.PriorityOf("198.51.100.7"));
        Assert.Equal(CheckPriority.Clean, throttle.PriorityOf("198.51.100.8"));
    }

    [Fact]
    public void LoginThrottle_OneFailureFromASource_ItsChecksWaitBehindCleanSourcesUntilTheWindowPasses()
    {
        var clock = new ManualTimeProvider();
        var throttle = new LoginThrottle(Defaults, clock);

        throttle.RecordFailure("sag-a/guess0001", "192.0.2.1");

        Assert.Equal(CheckPriority.SourceFailing, throttle.PriorityOf("192.0.2.1"));
        Assert.Null(throttle.RetryAfter("sag-a/guess0002", "192.0.2.1"));
        clock.Advance(Defaults.LoginFailureWindow);
        Assert.Equal(CheckPriority.Clean, throttle.PriorityOf("192.0.2.1"));
    }

    [Fact]
    public void LoginThrottle_OneSourceAlone_NeverLocksTheUserOutElsewhere()
    {
        var throttle = new LoginThrottle(Defaults, new ManualTimeProvider());
        for (var i = 0; i < 1000; i++)
        {
            // Even ignoring its own pair limit, one source never makes the user-wide lock.
            throttle.RecordFailure("sag-a/victim", "203.0.113.9");
        }

        Assert.NotNull(throttle.RetryAfter("sag-a/victim", "203.0.113.9"));
        Assert.Null(throttle.RetryAfter("sag-a/victim", "198.51.100.7"));
    }

    [Fact]
    public void LoginThrottle_FailuresFromEnoughSources_LockTheUserEverywhere()
    {
        var throttle = new LoginThrottle(Defaults, new ManualTimeProvider());
        for (var i = 0; i < Defaults.LoginFailuresPerUser; i++)
        {
            throttle.RecordFailure("sag-a/victim", $"203.0.113.{i % Defaults.LoginLockoutSources}");
        }

        Assert.NotNull(throttle.RetryAfter("sag-a/victim", "198.51.100.7"));
        Assert.Null(throttle.RetryAfter("sag-a/other", "198.51.100.7"));
    }

    [Theory]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1")]
    [InlineData("192.0.2.1", "192.0.2.1")]
    public void SourceOf_Address_IPv4OrIPv6Slash64(string address, string expected) => Assert.Equal(expected, LoginThrottle.SourceOf(address));

    [Fact]
    public void LoginThrottle_HundredThousandUserNamesTwice_NothingHeldAfterTheWindowAndMemoryFlat()
    {
        var clock = new ManualTimeProvider();
        var throttle = new LoginThrottle(Defaults, clock);
        using var heartbeat = new ControlHeartbeat(Defaults, clock);
        using var sweep = new LoginStateSweep(throttle, new SessionTokens(new byte[32]), heartbeat, clock);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);

        var (held, during) = FailEveryName(throttle, "first");
        clock.Advance(Defaults.LoginFailureWindow);
        sweep.Sweep();
        var afterFirst = GC.GetTotalMemory(forceFullCollection: true);

        FailEveryName(throttle, "second");
        clock.Advance(Defaults.LoginFailureWindow);
        sweep.Sweep();
        var afterSecond = GC.GetTotalMemory(forceFullCollection: true);

        Assert.Equal(300_000, held);
        Assert.Equal(0, throttle.EntryCount);
        Assert.True(during - baseline > 20_000_000, $"100,000 names held cost only {during - baseline} bytes: the test measures nothing");
        // What stays after a sweep is the tables' bucket arrays at their high-water mark (a few bytes per entry once
        // held), not entries: a second 100,000 names reuse them, so memory does not grow with the names seen.
        Assert.True(afterFirst - baseline < 8_000_000, $"after the first sweep {afterFirst - baseline} bytes are still held");
        Assert.True(afterSecond - afterFirst < 1_000_000, $"the second 100,000 names left {afterSecond - afterFirst} bytes more");
    }

    /// <summary>One failure for each of 100,000 names, each from its own source; returns the entries and the memory held then.</summary>
    private static (int Entries, long Memory) FailEveryName(LoginThrottle throttle, string prefix)
    {
        for (var i = 0; i < 100_000; i++)
        {
            throttle.RecordFailure($"sag-abcdefghij0123456789/{prefix}{i:D7}", $"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}");
        }

        return (throttle.EntryCount, GC.GetTotalMemory(forceFullCollection: true));
    }

    /// <summary>
    /// The sweep runs on the heartbeat's timer, where an exception ends the process. The revocation file's rewrite can be
    /// refused with <see cref="UnauthorizedAccessException"/> (here: its temporary name is taken by a folder, EISDIR), which
    /// the logout path already tolerated and the sweep did not.
    /// </summary>
    [Fact]
    public void LoginStateSweep_RevocationRewriteRefused_SweepCompletesAndForgetsExpiredEntries()
    {
        var folder = Directory.CreateTempSubdirectory("opensag-sweep-");
        try
        {
            var clock = new ManualTimeProvider();
            var path = Path.Combine(folder.FullName, RevokedLogins.FileName);
            // Enough dead lines that the sweep rewrites the file (over RevokedLogins' slack of 1,024).
            File.WriteAllLines(path, Enumerable.Range(0, 2000).Select(i => $"dead{i} {clock.GetUtcNow().ToUnixTimeSeconds()}"));
            Directory.CreateDirectory(path + ".tmp");
            var tokens = new SessionTokens(new byte[32], RevokedLogins.Open(path));
            using var heartbeat = new ControlHeartbeat(Defaults, clock);
            using var sweep = new LoginStateSweep(new LoginThrottle(Defaults, clock), tokens, heartbeat, clock);

            sweep.Sweep();

            Assert.Equal(0, tokens.Revocations.Count);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task LoginStateSweep_OnTheHeartbeat_EvictsThrottleEntriesAndExpiredRevocations()
    {
        var clock = new ManualTimeProvider();
        var throttle = new LoginThrottle(Defaults, clock);
        var tokens = new SessionTokens(new byte[32]);
        using var heartbeat = new ControlHeartbeat(Defaults, clock);
        using var sweep = new LoginStateSweep(throttle, tokens, heartbeat, clock);
        await sweep.StartAsync(CancellationToken.None);
        throttle.RecordFailure("sag-a/alice01", "203.0.113.9");
        tokens.Revocations.Revoke("0a1b2c", clock.GetUtcNow() + TimeSpan.FromSeconds(30));
        Assert.Equal((3, 1), (throttle.EntryCount, tokens.Revocations.Count));

        // Once the window has passed, the next sweep (at most one interval and one heartbeat tick later) drops both.
        clock.Advance(Defaults.LoginFailureWindow + LoginStateSweep.Interval + heartbeat.Period);
        Assert.Equal(0, throttle.EntryCount);
        Assert.Equal(0, tokens.Revocations.Count);
        await sweep.StopAsync(CancellationToken.None);
    }
}
