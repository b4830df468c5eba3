using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;
using OpenSag.Storage.Sqlite;
using OpenSag.Storage.Tests.Contract;

namespace OpenSag.Storage.Tests.Sqlite;

/// <summary>
/// <see cref="InstanceRules.DisjointCidrBlocks"/> (on with <c>serve --tun</c>): ModifySmartAccessGateway answers
/// SAG.CidrOverlap for a block overlapping another instance's, in any region, and changes nothing.
/// </summary>
public sealed class InstanceRulesTests : IAsyncLifetime, IDisposable
{
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromSeconds(30));
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("opensag-instance-rules-tests-");
    private SqliteStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteStore(Path.Combine(_folder.FullName, "opensag.db"), TestSecretsKey.New());
        await _store.MigrateAsync(_deadline.Token);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    public void Dispose() => _deadline.Dispose();

    [Fact]
    public async Task ModifyAsync_BlockOverlappingAnotherInstancesWithDisjointCidrBlocks_ThrowsCidrOverlapAndChangesNothing()
    {
        var instances = new InstanceService(_store, TimeProvider.System, new InstanceRules { DisjointCidrBlocks = true });
        var first = await instances.CreateAsync("cn-shanghai", "PREPAY", 1, 5, 5, true, _deadline.Token);
        var second = await instances.CreateAsync("cn-beijing", "PREPAY", 1, 5, 5, true, _deadline.Token);
        await instances.ModifyAsync("cn-shanghai", first.SmartAGId, null, null, Cidr("10.50.0.0/16"), null, _deadline.Token);

        var refused = await Assert.ThrowsAsync<ApiException>(() =>
            instances.ModifyAsync("cn-beijing", second.SmartAGId, "renamed", null, Cidr("10.50.7.0/24"), null, _deadline.Token));

        Assert.Equal(ErrorCatalogue.CidrOverlap, refused.Error);
        var stored = await instances.GetAsync("cn-beijing", second.SmartAGId, _deadline.Token);
        Assert.Equal(("", ""), (stored.Name, stored.CidrBlock));
        await instances.ModifyAsync("cn-beijing", second.SmartAGId, null, null, Cidr("10.51.0.0/24"), null, _deadline.Token);
    }

    [Fact]
    public async Task ModifyAsync_OverlappingBlockWithoutTheRule_Writes()
    {
        var instances = new InstanceService(_store, TimeProvider.System);
        var first = await instances.CreateAsync("cn-shanghai", "PREPAY", 1, 5, 5, true, _deadline.Token);
        var second = await instances.CreateAsync("cn-shanghai", "PREPAY", 1, 5, 5, true, _deadline.Token);
        await instances.ModifyAsync("cn-shanghai", first.SmartAGId, null, null, Cidr("10.50.0.0/24"), null, _deadline.Token);

        await instances.ModifyAsync("cn-shanghai", second.SmartAGId, null, null, Cidr("10.50.0.0/24"), null, _deadline.Token);

        Assert.Equal("10.50.0.0/24", (await instances.GetAsync("cn-shanghai", second.SmartAGId, _deadline.Token)).CidrBlock);
    }

    private static ClientAddressSpace Cidr(string text) =>
        ClientAddressSpace.TryParse(text, out var space) ? space : throw new ArgumentException("Not a CIDR block: " + text, nameof(text));
}
