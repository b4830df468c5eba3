using System.Reflection;
using OpenSag.Domain;
using OpenSag.Gateway.Protocol;
using OpenSag.Gateway.Security;
using OpenSag.Gateway.Sessions;
using OpenSag.Storage;

namespace OpenSag.Gateway.Tests;

public sealed class LoginVerifierTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly SessionTokens _tokens = new(new byte[32]);
    private readonly ManualTimeProvider _clock = new();
    private int _checks;

    [Fact]
    public async Task VerifyAsync_ResumeToken_AdmittedWithoutAPasswordCheckKeepingItsLogin()
    {
        var verifier = CountingVerifier();
        var token = _tokens.Issue(Claims(generation: 3));

        var decision = await verifier.VerifyAsync(Resume("alice01", token), "127.0.0.1", CancellationToken.None).WaitAsync(Timeout);

        Assert.True(decision.Admitted);
        Assert.Equal(0, _checks);
        // A resume inherits its login and expiry: resuming never stretches a token's lifetime.
        Assert.Equal(("0a1b2c", _clock.GetUtcNow() + TimeSpan.FromHours(1)), (decision.LoginId, decision.ExpiresAt));
    }

    [Fact]
    public async Task VerifyAsync_StaleResumeToken_RefusedAsKickedWithoutAPasswordCheck()
    {
        var verifier = CountingVerifier();
        var token = _tokens.Issue(Claims(generation: 2));

        var decision = await verifier.VerifyAsync(Resume("alice01", token), "127.0.0.1", CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(CloseReasons.KickedOut, decision.RefusalReason);
        Assert.Equal(0, _checks);
    }

    [Fact]
    public async Task VerifyAsync_TokenOfAnotherGatewayOrGarbage_RefusedAsSessionExpiredNotKicked()
    {
        var verifier = CountingVerifier();
        var otherKey = new byte[32];
        otherKey[0] = 1;
        var otherNodes = new SessionTokens(otherKey).Issue(Claims(generation: 3));

        var other = await verifier.VerifyAsync(Resume("alice01", otherNodes), "127.0.0.1", CancellationToken.None).WaitAsync(Timeout);
        var garbage = await verifier.VerifyAsync(Resume("nobody01", "garbage"), "127.0.0.1", CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(CloseReasons.SessionExpired, other.RefusalReason);
        Assert.Equal(CloseReasons.SessionExpired, garbage.RefusalReason);
        Assert.Equal(0, _checks);
    }

    [Fact]
    public async Task VerifyAsync_ResumeAfterLogout_RefusedAsSessionExpired()
    {
        var verifier = CountingVerifier();
        var token = _tokens.Issue(Claims(generation: 3));
        _tokens.Revocations.Revoke("0a1b2c", _clock.GetUtcNow() + TimeSpan.FromHours(1));

        var decision = await verifier.VerifyAsync(Resume("alice01", token), "127.0.0.1", CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(CloseReasons.SessionExpired, decision.RefusalReason);
    }

    [Fact]
    public async Task VerifyAsync_ResumeTokenPastItsLifetime_RefusedAsSessionExpired()
    {
        var verifier = CountingVerifier();
        var token = _tokens.Issue(Claims(generation: 3));

        _clock.Advance(TimeSpan.FromHours(1));
        var decision = await verifier.VerifyAsync(Resume("alice01", token), "127.0.0.1", CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(CloseReasons.SessionExpired, decision.RefusalReason);
    }

    [Fact]
    public async Task VerifyAsync_ResumeTokenFromBeforeAPasswordReset_RefusedAsSessionExpired()
    {
        var verifier = CountingVerifier();
        var token = _tokens.Issue(Claims(generation: 3) with { Stamp = _tokens.StampOf("the hash before the reset") });

        var decision = await verifier.VerifyAsync(Resume("alice01", token), "127.0.0.1", CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(CloseReasons.SessionExpired, decision.RefusalReason);
    }

    [Fact]
    public async Task VerifyAsync_ResumeWhileTheUserIsLockedOut_Admitted()
    {
        var options = new GatewayOptions();
        var throttle = new LoginThrottle(options, _clock);
        for (var i = 0; i < 100; i++)
        {
            throttle.RecordFailure(StoreFake.InstanceId + "/alice01", $"203.0.113.{i % 10}");
        }

        var verifier = new LoginVerifier(StoreFake.Create(), _tokens, throttle, new PasswordCheckGate(options, (_, _) => true), options, _clock);
        Assert.Equal(CloseReasons.RateLimited, (await verifier.VerifyAsync(Password("alice01"), "127.0.0.1", CancellationToken.None).WaitAsync(Timeout)).RefusalReason);

        var decision = await verifier.VerifyAsync(Resume("alice01", _tokens.Issue(Claims(generation: 3))), "203.0.113.1", CancellationToken.None).WaitAsync(Timeout);

        Assert.True(decision.Admitted);
    }

    [Fact]
    public async Task VerifyAsync_PairOverItsLimit_RateLimitedWithRetryAfterAndTheSameForUnknownUsers()
    {
        var options = new GatewayOptions();
        var throttle = new LoginThrottle(options, _clock);
        var verifier = new LoginVerifier(StoreFake.Create(), _tokens, throttle, new PasswordCheckGate(options, (_, _) => false), options, _clock);
        foreach (var user in new[] { "alice01", "nobody01" })
        {
            for (var i = 0; i < options.LoginFailuresPerPair; i++)
            {
                Assert.Equal(CloseReasons.LoginRefused, (await verifier.VerifyAsync(Password(user), "203.0.113.9", CancellationToken.None).WaitAsync(Timeout)).RefusalReason);
            }
        }

        var known = await verifier.VerifyAsync(Password("alice01"), "203.0.113.9", CancellationToken.None).WaitAsync(Timeout);
        var unknown = await verifier.VerifyAsync(Password("nobody01"), "203.0.113.9", CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal((CloseReasons.RateLimited, options.LoginFailureWindow), (known.RefusalReason, known.RetryAfter));
        Assert.Equal((known.RefusalReason, known.RetryAfter), (unknown.RefusalReason, unknown.RetryAfter));
    }

    [Fact]
    public async Task VerifyAsync_UnknownUser_PaysOnePasswordCheckAndIsRefused()
    {
        var verifier = CountingVerifier();

        var decision = await verifier.VerifyAsync(Password("nobody01"), "127.0.0.1", CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(CloseReasons.LoginRefused, decision.RefusalReason);
        Assert.Equal(1, _checks);
    }

    [Fact]
    public async Task VerifyAsync_PasswordLogin_NewLoginExpiringAfterTheLifetime()
    {
        var verifier = CountingVerifier();

        var first = await verifier.VerifyAsync(Password("alice01"), "127.0.0.1", CancellationToken.None).WaitAsync(Timeout);
        var second = await verifier.VerifyAsync(Password("alice01"), "127.0.0.1", CancellationToken.None).WaitAsync(Timeout);

        Assert.NotEqual(first.LoginId, second.LoginId);
        Assert.Equal(_clock.GetUtcNow() + new GatewayOptions().SessionTokenLifetime, first.ExpiresAt);
    }

    /// <summary>A verifier whose password checks always pass and are counted in <see cref="_checks"/>.</summary>
    private LoginVerifier CountingVerifier()
    {
        var options = new GatewayOptions();
        return new(StoreFake.Create(), _tokens, new LoginThrottle(options, _clock),
            new PasswordCheckGate(options, (_, _) => { Interlocked.Increment(ref _checks); return true; }), options, _clock);
    }

    /// <summary>A token of alice01 from login 0a1b2c, expiring in an hour, stamped with the fake store's hash.</summary>
    private SessionClaims Claims(long generation) =>
        new("5f0c", StoreFake.InstanceId, "alice01", generation, "0a1b2c", _clock.GetUtcNow() + TimeSpan.FromHours(1), _tokens.StampOf("stored"));

    private static LoginRequest Password(string userName) => new() { SmartAGId = StoreFake.InstanceId, UserName = userName, Password = "Passw0rd_1" };

    private static LoginRequest Resume(string userName, string token) => new() { SmartAGId = StoreFake.InstanceId, UserName = userName, ResumeToken = token };

    /// <summary>The two reads a login makes (instance by id, user by name): one instance with one enabled user, alice01, at generation 3.</summary>
    public class StoreFake : DispatchProxy
    {
        public const string InstanceId = "sag-abcdefghij0123456789";

        public static IOpenSagStore Create() => Create<IOpenSagStore, StoreFake>();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
        {
            nameof(IOpenSagStore.FindInstanceByIdAsync) => Task.FromResult((string?)args![0] == InstanceId ? Instance() : null),
            nameof(IOpenSagStore.FindUserAsync) => Task.FromResult((string?)args![1] == "alice01" ? User() : null),
            _ => throw new NotSupportedException(targetMethod?.Name),
        };

        private static Instance? Instance() => new()
        {
            SmartAGId = InstanceId,
            RegionId = "cn-shanghai",
            OrderId = "1",
            UserCount = 10,
            DataPlan = 0,
            Period = 1,
            ChargeType = "PREPAY",
            AutoPay = false,
            CreatedAt = DateTimeOffset.UnixEpoch,
            EndsAt = DateTimeOffset.UnixEpoch,
        };

        private static ClientUser? User() => new()
        {
            SmartAGId = InstanceId,
            UserName = "alice01",
            UserMail = "alice01@example.com",
            Bandwidth = 1000,
            PasswordHash = "stored",
            SessionGeneration = 3,
            CreatedAt = DateTimeOffset.UnixEpoch,
        };
    }
}
