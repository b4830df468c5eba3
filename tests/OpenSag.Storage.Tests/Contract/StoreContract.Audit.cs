using OpenSag.Domain;

namespace OpenSag.Storage.Tests.Contract;

/// <summary>The audit log (IAuditStore; issue 13 item 1, DESIGN.md §7).</summary>
public abstract partial class StoreContract
{
    private static AuditEntry Audit(DateTimeOffset time, string action = "KickOutClients", string accessKeyId = "LTAIadmin", string smartAgId = "sag-one",
        string target = "alice", string outcome = AuditEntry.Success) =>
        new(0, time, accessKeyId, "127.0.0.1", "api", action, Region, smartAgId, target, outcome, "sessions closed: 1");

    [StoreFact]
    public async Task AppendAuditAsync_Entry_ReadBackWithEveryFieldAndAnIncreasingId()
    {
        var first = await Store.AppendAuditAsync(Audit(T0), Ct);
        var second = await Store.AppendAuditAsync(Audit(T0) with { Channel = "console", Outcome = "SAG.InstanceNoFound", Detail = "" }, Ct);

        Assert.True(second.Id > first.Id);
        var page = await Store.ListAuditAsync(new AuditQuery(), 1, 10, Ct);
        Assert.Equal([second, first], page.Items);
        Assert.Equal(Audit(T0) with { Id = first.Id }, first);
        Assert.Equal(2, page.TotalCount);
    }

    [StoreFact]
    public async Task ListAuditAsync_OlderTimeAppendedLater_NewestByIdFirst()
    {
        // Two nodes' clocks differ: the order is the order of appending, not of the entries' times.
        var early = await Store.AppendAuditAsync(Audit(T0.AddMinutes(5)), Ct);
        var late = await Store.AppendAuditAsync(Audit(T0), Ct);

        Assert.Equal([late.Id, early.Id], (await Store.ListAuditAsync(new AuditQuery(), 1, 10, Ct)).Items.Select(e => e.Id));
    }

    [StoreFact]
    public async Task ListAuditAsync_EachFilter_SelectsOnlyMatchingEntries()
    {
        var kick = await Store.AppendAuditAsync(Audit(T0), Ct);
        var otherKey = await Store.AppendAuditAsync(Audit(T0.AddSeconds(1), accessKeyId: "LTAIother"), Ct);
        var otherAction = await Store.AppendAuditAsync(Audit(T0.AddSeconds(2), action: "DeleteSmartAccessGatewayClientUser"), Ct);
        var otherInstance = await Store.AppendAuditAsync(Audit(T0.AddSeconds(3), smartAgId: "sag-two"), Ct);
        var otherTarget = await Store.AppendAuditAsync(Audit(T0.AddSeconds(4), target: "bob"), Ct);

        async Task<long[]> IdsAsync(AuditQuery query) => [.. (await Store.ListAuditAsync(query, 1, 10, Ct)).Items.Select(e => e.Id)];

        Assert.Equal([otherKey.Id], await IdsAsync(new AuditQuery { AccessKeyId = "LTAIother" }));
        Assert.Equal([otherAction.Id], await IdsAsync(new AuditQuery { Action = "DeleteSmartAccessGatewayClientUser" }));
        Assert.Equal([otherInstance.Id], await IdsAsync(new AuditQuery { SmartAGId = "sag-two" }));
        Assert.Equal([otherTarget.Id], await IdsAsync(new AuditQuery { Target = "bob" }));
        Assert.Equal([kick.Id], await IdsAsync(new AuditQuery { AccessKeyId = "LTAIadmin", Action = "KickOutClients", SmartAGId = "sag-one", Target = "alice" }));
        Assert.Equal([otherInstance.Id, otherAction.Id], await IdsAsync(new AuditQuery { Since = T0.AddSeconds(2), Until = T0.AddSeconds(4) }));
        Assert.Empty(await IdsAsync(new AuditQuery { Target = "ALICE" }));
    }

    [StoreFact]
    public async Task ListAuditAsync_Pages_TotalIsTheWholeSelectionAndPagesDoNotOverlap()
    {
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await Store.AppendAuditAsync(Audit(T0.AddSeconds(i)), Ct)).Id);
        }

        var first = await Store.ListAuditAsync(new AuditQuery(), 1, 2, Ct);
        var third = await Store.ListAuditAsync(new AuditQuery(), 3, 2, Ct);
        var beyond = await Store.ListAuditAsync(new AuditQuery(), 4, 2, Ct);

        Assert.Equal([ids[4], ids[3]], first.Items.Select(e => e.Id));
        Assert.Equal([ids[0]], third.Items.Select(e => e.Id));
        Assert.Empty(beyond.Items);
        Assert.All([first, third, beyond], p => Assert.Equal(5, p.TotalCount));
    }

    [StoreFact]
    public async Task PruneAuditAsync_Cutoff_DeletesOnlyOlderEntries()
    {
        await Store.AppendAuditAsync(Audit(T0), Ct);
        var atCutoff = await Store.AppendAuditAsync(Audit(T0.AddDays(1)), Ct);

        Assert.Equal(1, await Store.PruneAuditAsync(T0.AddDays(1), Ct));

        Assert.Equal([atCutoff.Id], (await Store.ListAuditAsync(new AuditQuery(), 1, 10, Ct)).Items.Select(e => e.Id));
    }

    [StoreFact]
    public async Task AppendAuditAsync_AfterTheNewestWasPrunedAndReopened_IdStillIncreases()
    {
        var old = await Store.AppendAuditAsync(Audit(T0), Ct);
        await Store.PruneAuditAsync(T0.AddDays(1), Ct);
        await ReopenAsync();

        var next = await Store.AppendAuditAsync(Audit(T0.AddDays(2)), Ct);

        Assert.True(next.Id > old.Id);
    }
}
