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
    private int _checks;

    [Fact]
    public async Task VerifyAsync_ResumeToken_AdmittedWithoutAPasswordCheck()
    {
        var verifier = CountingVerifier();
        var token = _tokens.Issue(new SessionClaims("5f0c", StoreFake.InstanceId, "alice01", 3));

        var decision = await verifier.VerifyAsync(Resume("alice01", token), "127.0.0.1", CancellationToken.None).WaitAsync(Timeout);

        Assert.True(decision.Admitted);
        Assert.Equal(0, _checks);
    }

    [Fact]
    public async Task VerifyAsync_StaleResumeToken_RefusedWithoutAPasswordCheck()
    {
        var verifier = CountingVerifier();
        var token = _tokens.Issue(new SessionClaims("5f0c", StoreFake.InstanceId, "alice01", 2));

        var decision = await verifier.VerifyAsync(Resume("alice01", token), "127.0.0.1", CancellationToken.None).WaitAsync(Timeout);

        Assert.Equal(CloseReasons.KickedOut, decision.RefusalReason);
        Assert.Equal(0, _checks);
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
    public async Task VerifyAsync_MorePasswordLoginsThanSlots_QueueAndAreAllAdmitted()
    {
        using var release = new ManualResetEventSlim();
        var running = 0;
        var mostAtOnce = 0;
        var firstStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var gate = new PasswordCheckGate(new GatewayOptions { PasswordCheckConcurrency = 1 }, (_, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            firstStarted.TrySetResult();
            release.Wait(Timeout);
            Interlocked.Decrement(ref running);
            return true;
        });
        var verifier = new LoginVerifier(StoreFake.Create(), _tokens, Throttle(new GatewayOptions()), gate);

        var first = Task.Run(() => verifier.VerifyAsync(Password("alice01"), "127.0.0.1", CancellationToken.None));
        await firstStarted.Task.WaitAsync(Timeout);
        var queued = Enumerable.Range(0, 3).Select(_ => verifier.VerifyAsync(Password("alice01"), "127.0.0.1", CancellationToken.None)).ToArray();

        Assert.Equal(4, gate.Pending);
        Assert.All(queued, t => Assert.False(t.IsCompleted));
        release.Set();
        var decisions = await Task.WhenAll([first, .. queued]).WaitAsync(Timeout);

        Assert.All(decisions, d => Assert.True(d.Admitted));
        Assert.Equal(1, mostAtOnce);
        Assert.Equal(0, gate.Pending);
    }

    [Fact]
    public async Task PasswordCheckGate_CancelledWhileQueued_LeavesTheQueue()
    {
        using var release = new ManualResetEventSlim();
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var gate = new PasswordCheckGate(new GatewayOptions { PasswordCheckConcurrency = 1 }, (_, _) => { started.TrySetResult(); release.Wait(Timeout); return true; });
        var running = Task.Run(() => gate.VerifyAsync("pw", "stored", CancellationToken.None));
        await started.Task.WaitAsync(Timeout);
        using var gaveUp = new CancellationTokenSource();

        var waiting = gate.VerifyAsync("pw", "stored", gaveUp.Token);
        await gaveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Timeout));
        release.Set();
        Assert.True(await running.WaitAsync(Timeout));
        Assert.Equal(0, gate.Pending);
    }

    /// <summary>A verifier whose password checks always pass and are counted in <see cref="_checks"/>.</summary>
    private LoginVerifier CountingVerifier()
    {
        var options = new GatewayOptions();
        return new(StoreFake.Create(), _tokens, Throttle(options), new PasswordCheckGate(options, (_, _) => { Interlocked.Increment(ref _checks); return true; }));
    }

    private static LoginThrottle Throttle(GatewayOptions options) => new(options, TimeProvider.System);

    private static LoginRequest Password(string userName) => new() { SmartAGId = StoreFake.InstanceId, UserName = userName, Password = "Passw0rd_1" };

    private static LoginRequest Resume(string userName, string token) => new() { SmartAGId = StoreFake.InstanceId, UserName = userName, ResumeToken = token };

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

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
