using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using OpenSag.Api.Protocol;
using OpenSag.Api.Tests.Support;
using OpenSag.Errors;
using OpenSag.Storage;

namespace OpenSag.Api.Tests.Protocol;

/// <summary>ClientToken idempotency (issue 12 item 5): a repeat is answered from the first call, which acts once.</summary>
public sealed class IdempotentCallsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly ClientTokenKey Key = new("LTAIcaller", "CreateEnterpriseCode", "token-1");

    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryClientTokenStore _store = new();
    private int _acted;

    [Fact]
    public async Task RunAsync_SameTokenSameParameters_FirstAnswerAgainActedOnce()
    {
        var calls = NewCalls();

        var first = await calls.RunAsync(Key, "fp", Act("A"), default).WaitAsync(Timeout);
        var again = await calls.RunAsync(Key, "fp", Act("B"), default).WaitAsync(Timeout);

        Assert.Equal(1, _acted);
        Assert.Equal("A", again.RequestId);
        Assert.Equal(first.Json, again.Json);
    }

    [Fact]
    public async Task RunAsync_SameTokenOtherParameters_IdempotentParameterMismatch()
    {
        var calls = NewCalls();
        await calls.RunAsync(Key, "fp", Act("A"), default).WaitAsync(Timeout);

        var refused = await Assert.ThrowsAsync<ApiException>(() => calls.RunAsync(Key, "other", Act("B"), default).WaitAsync(Timeout));

        Assert.Same(ErrorCatalogue.IdempotentParameterMismatch, refused.Error);
        Assert.Equal(1, _acted);
    }

    [Fact]
    public async Task RunAsync_OtherCallerOrActionSameToken_EachActs()
    {
        var calls = NewCalls();

        await calls.RunAsync(Key, "fp", Act("A"), default).WaitAsync(Timeout);
        await calls.RunAsync(Key with { AccessKeyId = "LTAIother" }, "fp", Act("B"), default).WaitAsync(Timeout);
        await calls.RunAsync(Key with { Action = "DeleteEnterpriseCode" }, "fp", Act("C"), default).WaitAsync(Timeout);

        Assert.Equal(3, _acted);
    }

    [Fact]
    public async Task RunAsync_FirstCallRefused_RetryActsAndIsKept()
    {
        var calls = NewCalls();

        await Assert.ThrowsAsync<ApiException>(() => calls.RunAsync(Key, "fp", _ => throw new ApiException(ErrorCatalogue.EnterpriseCodeOccupied), default).WaitAsync(Timeout));
        var retried = await calls.RunAsync(Key, "other", Act("A"), default).WaitAsync(Timeout);
        var again = await calls.RunAsync(Key, "other", Act("B"), default).WaitAsync(Timeout);

        Assert.Equal(1, _acted);
        Assert.Equal("A", retried.RequestId);
        Assert.Equal("A", again.RequestId);
    }

    [Fact]
    public async Task RunAsync_ConcurrentSameToken_ActsOnceAndEveryCallGetsItsAnswer()
    {
        var calls = NewCalls();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task<ClientTokenAnswer> Slow(CancellationToken _)
        {
            Interlocked.Increment(ref _acted);
            await release.Task;
            return Answer("A");
        }

        var first = calls.RunAsync(Key, "fp", Slow, default);
        var others = Enumerable.Range(0, 8).Select(_ => calls.RunAsync(Key, "fp", Slow, default)).ToList();
        release.SetResult();
        var answers = await Task.WhenAll([first, .. others]).WaitAsync(Timeout);

        Assert.Equal(1, _acted);
        Assert.All(answers, a => Assert.Equal("A", a.RequestId));
    }

    [Fact]
    public async Task RunAsync_ClaimOfAnotherNodeStillRunning_LastTokenProcessingWithoutActing()
    {
        var calls = NewCalls();
        _store.Put(Key, new ClientTokenCall("fp", _time.GetUtcNow() - TimeSpan.FromSeconds(5), null));

        var refused = await Assert.ThrowsAsync<ApiException>(() => calls.RunAsync(Key, "fp", Act("A"), default).WaitAsync(Timeout));

        Assert.Same(ErrorCatalogue.LastTokenProcessing, refused.Error);
        Assert.Equal(0, _acted);
    }

    [Fact]
    public async Task RunAsync_ClaimAbandonedByDeadNode_TakenOverAndActs()
    {
        var calls = NewCalls();
        _store.Put(Key, new ClientTokenCall("fp", _time.GetUtcNow() - IdempotentCalls.AbandonedAfter - TimeSpan.FromMilliseconds(1), null));

        var answer = await calls.RunAsync(Key, "fp", Act("A"), default).WaitAsync(Timeout);

        Assert.Equal("A", answer.RequestId);
        Assert.Equal(1, _acted);
    }

    [Fact]
    public async Task RunAsync_TokenOlderThanRetention_Forgotten()
    {
        var calls = NewCalls();
        await calls.RunAsync(Key, "fp", Act("A"), default).WaitAsync(Timeout);
        _time.Advance(IdempotentCalls.Retention + TimeSpan.FromMilliseconds(1));

        var later = await calls.RunAsync(Key, "other", Act("B"), default).WaitAsync(Timeout);

        Assert.Equal("B", later.RequestId);
        Assert.Equal(2, _acted);
    }

    [Fact]
    public async Task RunAsync_CallerGoneAfterClaim_CallStillAnswersAndIsKept()
    {
        var calls = NewCalls();
        using var gone = new CancellationTokenSource();
        async Task<ClientTokenAnswer> CancelThenAnswer(CancellationToken callToken)
        {
            await gone.CancelAsync();
            callToken.ThrowIfCancellationRequested();
            return await Act("A")(callToken);
        }

        await calls.RunAsync(Key, "fp", CancelThenAnswer, gone.Token).WaitAsync(Timeout);
        var again = await calls.RunAsync(Key, "fp", Act("B"), default).WaitAsync(Timeout);

        Assert.Equal("A", again.RequestId);
        Assert.Equal(1, _acted);
    }

    [Fact]
    public void Fingerprint_ValueMovedAcrossParameterBoundary_Differs()
    {
        var one = IdempotentCalls.Fingerprint("A", [new("X", "ab"), new("Y", "")]);
        var two = IdempotentCalls.Fingerprint("A", [new("X", "a"), new("Y", "b")]);

        Assert.NotEqual(one, two);
        Assert.Equal(one, IdempotentCalls.Fingerprint("A", [new("X", "ab"), new("Y", "")]));
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("123e4567-e89b-12d3-a456-426655440000", true)]
    [InlineData("é", false)]
    [InlineData("tab\there", false)]
    public void IsToken_Value_AsciiUpTo64(string token, bool expected) => Assert.Equal(expected, IdempotentCalls.IsToken(token));

    [Fact]
    public void IsToken_65Characters_False() => Assert.False(IdempotentCalls.IsToken(new string('a', 65)));

    private IdempotentCalls NewCalls() => new(_store, _time, NullLogger<IdempotentCalls>.Instance);

    private Func<CancellationToken, Task<ClientTokenAnswer>> Act(string requestId) => _ =>
    {
        Interlocked.Increment(ref _acted);
        return Task.FromResult(Answer(requestId));
    };

    private static ClientTokenAnswer Answer(string requestId) =>
        new(requestId, Encoding.UTF8.GetBytes($"{{\"RequestId\":\"{requestId}\"}}"), Encoding.UTF8.GetBytes($"<X><RequestId>{requestId}</RequestId></X>"));
}
