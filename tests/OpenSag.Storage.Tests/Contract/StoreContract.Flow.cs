using OpenSag.Domain;

namespace OpenSag.Storage.Tests.Contract;

public abstract partial class StoreContract
{
    private const string March = "202603";
    private const string April = "202604";

    [StoreFact]
    public async Task AddFlowAsync_NewUsers_CreatesTheirTotals()
    {
        var instance = await AddInstanceAsync();
        var id = instance.SmartAGId;

        await Store.AddFlowAsync([new(id, "alice", March, 100, 2000), new(id, "bob", March, 5, 6)], Ct);

        Assert.Equal(
            [new FlowTotal(id, "alice", March, 100, 2000), new FlowTotal(id, "bob", March, 5, 6)],
            await GetFlowByNameAsync(id, March, "alice", "bob"));
    }

    [StoreFact]
    public async Task AddFlowAsync_RepeatedCalls_AddUp()
    {
        var instance = await AddInstanceAsync();
        var id = instance.SmartAGId;

        await Store.AddFlowAsync([new(id, "alice", March, 100, 2000)], Ct);
        await Store.AddFlowAsync([new(id, "alice", March, 1, 10)], Ct);
        await Store.AddFlowAsync([new(id, "alice", March, 3_000_000_000, 4_000_000_000)], Ct);

        Assert.Equal([new FlowTotal(id, "alice", March, 3_000_000_101, 4_000_002_010)], await GetFlowByNameAsync(id, March, "alice"));
    }

    [StoreFact]
    public async Task AddFlowAsync_SameUserTwiceInOneBatch_AddsBoth()
    {
        var instance = await AddInstanceAsync();
        var id = instance.SmartAGId;

        await Store.AddFlowAsync([new(id, "alice", March, 1, 2), new(id, "alice", March, 10, 20)], Ct);

        Assert.Equal([new FlowTotal(id, "alice", March, 11, 22)], await GetFlowByNameAsync(id, March, "alice"));
    }

    [StoreFact]
    public async Task AddFlowAsync_DifferentMonthsAndInstances_KeepsThemApart()
    {
        var instance = await AddInstanceAsync();
        var other = await AddInstanceAsync();
        var id = instance.SmartAGId;

        await Store.AddFlowAsync([new(id, "alice", March, 1, 2), new(id, "alice", April, 30, 40)], Ct);
        await Store.AddFlowAsync([new(other.SmartAGId, "alice", March, 500, 600)], Ct);

        Assert.Equal([new FlowTotal(id, "alice", March, 1, 2)], await GetFlowByNameAsync(id, March, "alice"));
        Assert.Equal([new FlowTotal(id, "alice", April, 30, 40)], await GetFlowByNameAsync(id, April, "alice"));
        Assert.Equal([new FlowTotal(other.SmartAGId, "alice", March, 500, 600)], await GetFlowByNameAsync(other.SmartAGId, March, "alice"));
    }

    [StoreFact]
    public async Task AddFlowAsync_EmptyBatch_ChangesNothing()
    {
        var instance = await AddInstanceAsync();
        await Store.AddFlowAsync([new(instance.SmartAGId, "alice", March, 1, 2)], Ct);

        await Store.AddFlowAsync([], Ct);

        Assert.Equal([new FlowTotal(instance.SmartAGId, "alice", March, 1, 2)], await GetFlowByNameAsync(instance.SmartAGId, March, "alice"));
    }

    [StoreFact]
    public async Task GetFlowAsync_SomeNames_ReturnsOnlyNamedUsersThatHaveTraffic()
    {
        var instance = await AddInstanceAsync();
        var id = instance.SmartAGId;
        await Store.AddFlowAsync([new(id, "alice", March, 1, 2), new(id, "bob", March, 3, 4), new(id, "carol", March, 5, 6)], Ct);

        var totals = await GetFlowByNameAsync(id, March, "alice", "carol", "idle");

        Assert.Equal([new FlowTotal(id, "alice", March, 1, 2), new FlowTotal(id, "carol", March, 5, 6)], totals);
    }

    [StoreFact]
    public async Task GetFlowAsync_NoNames_ReturnsNothing()
    {
        var instance = await AddInstanceAsync();
        await Store.AddFlowAsync([new(instance.SmartAGId, "alice", March, 1, 2)], Ct);

        Assert.Empty(await Store.GetFlowAsync(instance.SmartAGId, March, [], Ct));
    }

    /// <summary>The result's order is not part of the contract, so it is put in name order before comparing.</summary>
    private async Task<List<FlowTotal>> GetFlowByNameAsync(string smartAgId, string month, params string[] userNames) =>
        [.. (await Store.GetFlowAsync(smartAgId, month, userNames, Ct)).OrderBy(t => t.UserName, StringComparer.Ordinal)];
}
