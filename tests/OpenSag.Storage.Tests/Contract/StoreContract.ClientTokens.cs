using System.Text;

namespace OpenSag.Storage.Tests.Contract;

/// <summary>Calls made with a ClientToken (IClientTokenStore; issue 12 item 5).</summary>
public abstract partial class StoreContract
{
    private static readonly ClientTokenKey TokenKey = new("LTAIcaller", "CreateEnterpriseCode", "token-1");
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);
    private static readonly TimeSpan Abandoned = TimeSpan.FromMinutes(2);

    [StoreFact]
    public async Task ClaimClientTokenAsync_NewKey_ClaimedThenHeldUnanswered()
    {
        Assert.Null(await ClaimAsync(TokenKey, "fp", T0));

        var earlier = await ClaimAsync(TokenKey, "other", T0.AddSeconds(1));

        Assert.Equal(new ClientTokenCall("fp", T0, null), earlier);
    }

    [StoreFact]
    public async Task AnswerClientTokenAsync_Answered_RepeatGetsTheAnswerByteForByte()
    {
        await ClaimAsync(TokenKey, "fp", T0);
        var answer = Answer("REQ-1");

        await Store.AnswerClientTokenAsync(TokenKey, T0, answer, Ct);

        var earlier = await ClaimAsync(TokenKey, "fp", T0.AddHours(1));
        Assert.Equal("fp", earlier!.Fingerprint);
        Assert.Equal("REQ-1", earlier.Answer!.RequestId);
        Assert.Equal(answer.Json, earlier.Answer.Json);
        Assert.Equal(answer.Xml, earlier.Answer.Xml);
    }

    [StoreFact]
    public async Task ReleaseClientTokenAsync_Released_NextClaimTakesIt()
    {
        await ClaimAsync(TokenKey, "fp", T0);

        await Store.ReleaseClientTokenAsync(TokenKey, T0, Ct);

        Assert.Null(await ClaimAsync(TokenKey, "other", T0.AddSeconds(1)));
    }

    [StoreFact]
    public async Task ClaimClientTokenAsync_UnansweredPastAbandonment_TakenOverAndTheOldClaimCannotAnswer()
    {
        await ClaimAsync(TokenKey, "fp", T0);
        var later = T0 + Abandoned + TimeSpan.FromMilliseconds(1);

        Assert.Null(await ClaimAsync(TokenKey, "fp", later));
        await Store.AnswerClientTokenAsync(TokenKey, T0, Answer("STALE"), Ct);
        await Store.ReleaseClientTokenAsync(TokenKey, T0, Ct);

        Assert.Equal(new ClientTokenCall("fp", later, null), await ClaimAsync(TokenKey, "fp", later.AddSeconds(1)));
    }

    [StoreFact]
    public async Task ClaimClientTokenAsync_AnsweredPastAbandonment_StillAnswered()
    {
        await ClaimAsync(TokenKey, "fp", T0);
        await Store.AnswerClientTokenAsync(TokenKey, T0, Answer("REQ-1"), Ct);

        var earlier = await ClaimAsync(TokenKey, "fp", T0 + Retention - TimeSpan.FromMilliseconds(1));

        Assert.Equal("REQ-1", earlier!.Answer!.RequestId);
    }

    [StoreFact]
    public async Task ClaimClientTokenAsync_PastRetention_ForgottenAndOthersExpired()
    {
        var otherKey = TokenKey with { ClientToken = "token-2" };
        await ClaimAsync(TokenKey, "fp", T0);
        await Store.AnswerClientTokenAsync(TokenKey, T0, Answer("REQ-1"), Ct);
        await ClaimAsync(otherKey, "fp", T0);
        var later = T0 + Retention + TimeSpan.FromMilliseconds(1);

        Assert.Null(await ClaimAsync(TokenKey, "new", later));

        // Expired when the first claim ran: the other key is free as well.
        Assert.Null(await ClaimAsync(otherKey, "new", later));
    }

    [StoreFact]
    public async Task ClaimClientTokenAsync_KeyParts_EachPartSeparatesCalls()
    {
        await ClaimAsync(TokenKey, "fp", T0);

        Assert.Null(await ClaimAsync(TokenKey with { AccessKeyId = "LTAIother" }, "fp", T0));
        Assert.Null(await ClaimAsync(TokenKey with { Action = "DeleteEnterpriseCode" }, "fp", T0));
        Assert.Null(await ClaimAsync(TokenKey with { ClientToken = "TOKEN-1" }, "fp", T0));
    }

    [StoreFact]
    public async Task ClaimClientTokenAsync_ConcurrentClaimsFromTwoStores_ExactlyOneClaims()
    {
        var second = await OpenStoreAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            (i % 2 == 0 ? Store : second).ClaimClientTokenAsync(TokenKey, "fp", T0, T0 - Retention, T0 - Abandoned, Ct)))).WaitAsync(Timeout);

        Assert.Single(results, r => r is null);
        Assert.All(results.Where(r => r is not null), r => Assert.Equal(new ClientTokenCall("fp", T0, null), r));
    }

    [StoreFact]
    public async Task ClientTokens_Reopened_AnswerKept()
    {
        await ClaimAsync(TokenKey, "fp", T0);
        await Store.AnswerClientTokenAsync(TokenKey, T0, Answer("REQ-1"), Ct);

        await ReopenAsync();

        Assert.Equal("REQ-1", (await ClaimAsync(TokenKey, "fp", T0.AddMinutes(5)))!.Answer!.RequestId);
    }

    private Task<ClientTokenCall?> ClaimAsync(ClientTokenKey key, string fingerprint, DateTimeOffset now) =>
        Store.ClaimClientTokenAsync(key, fingerprint, now, now - Retention, now - Abandoned, Ct);

    private static ClientTokenAnswer Answer(string requestId) =>
        new(requestId, Encoding.UTF8.GetBytes($"{{\"RequestId\":\"{requestId}\"}}"), Encoding.UTF8.GetBytes($"<A><RequestId>{requestId}</RequestId></A>"));
}
