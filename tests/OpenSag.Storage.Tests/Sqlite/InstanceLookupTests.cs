using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;
using OpenSag.Storage.Sqlite;
using OpenSag.Storage.Tests.Contract;

namespace OpenSag.Storage.Tests.Sqlite;

/// <summary>
/// <see cref="InstanceService.RequireAsync"/> answers from memory once an instance has been found: it must still
/// refuse the wrong region and unknown ids exactly as a store read would.
/// </summary>
public sealed class InstanceLookupTests : IAsyncLifetime, IDisposable
{
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromSeconds(30));
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("opensag-instance-lookup-tests-");
    private SqliteStore _store = null!;
    private InstanceService _instances = null!;

    public async Task InitializeAsync()
    {
        _store = new SqliteStore(Path.Combine(_folder.FullName, "opensag.db"), TestSecretsKey.New());
        await _store.MigrateAsync(_deadline.Token);
        _instances = new InstanceService(_store, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    public void Dispose() => _deadline.Dispose();

    [Fact]
    public async Task RequireAsync_KnownInstance_WrongRegion_IsNotFoundBeforeAndAfterItWasFound()
    {
        var instance = await _instances.CreateAsync("cn-shanghai", "PREPAY", 1, 5, 5, true, _deadline.Token);

        await Assert.ThrowsAsync<ApiException>(() => _instances.RequireAsync("cn-beijing", instance.SmartAGId, _deadline.Token));
        await _instances.RequireAsync("cn-shanghai", instance.SmartAGId, _deadline.Token);
        var afterCached = await Assert.ThrowsAsync<ApiException>(() => _instances.RequireAsync("cn-beijing", instance.SmartAGId, _deadline.Token, ErrorCatalogue.KickInstanceNotFound));

        Assert.Equal(ErrorCatalogue.KickInstanceNotFound, afterCached.Error);
    }

    [Fact]
    public async Task RequireAsync_UnknownInstance_IsNotFoundEveryTime()
    {
        var unknown = ResourceIds.NewSmartAgId();

        for (var attempt = 0; attempt < 2; attempt++)
        {
            var refused = await Assert.ThrowsAsync<ApiException>(() => _instances.RequireAsync("cn-shanghai", unknown, _deadline.Token));
            Assert.Equal(ErrorCatalogue.InstanceNotFound, refused.Error);
        }
    }

    [Fact]
    public async Task RequireAsync_InstanceAddedAfterARefusal_IsFound()
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var instance = new Instance
        {
            SmartAGId = ResourceIds.NewSmartAgId(),
            RegionId = "cn-shanghai",
            OrderId = ResourceIds.NewOrderId(),
            UserCount = 5,
            DataPlan = 5,
            Period = 1,
            ChargeType = "PREPAY",
            AutoPay = true,
            CreatedAt = now,
            EndsAt = now.AddMonths(1),
        };
        await Assert.ThrowsAsync<ApiException>(() => _instances.RequireAsync("cn-shanghai", instance.SmartAGId, _deadline.Token));

        // As another node of a cluster would: straight into the shared store.
        await _store.AddInstanceAsync(instance, _deadline.Token);

        await _instances.RequireAsync("cn-shanghai", instance.SmartAGId, _deadline.Token);
    }
}
