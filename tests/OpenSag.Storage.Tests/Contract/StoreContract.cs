using OpenSag.Domain;
using OpenSag.Security;

namespace OpenSag.Storage.Tests.Contract;

/// <summary>
/// The storage test kit: what every <see cref="IOpenSagStore"/> engine must do, written against the interface
/// alone. An engine's test class derives from this and supplies <see cref="CreateStore"/>; the cases run unchanged
/// on every engine (DESIGN.md §8). Engine specifics (files, schemas, connection strings) stay in the subclass.
/// </summary>
/// <remarks>
/// xunit makes one instance of the class per test, so each test starts with its own empty database. Times are
/// whole milliseconds, the precision every engine must keep. Cases are <see cref="StoreFactAttribute"/> and
/// <see cref="StoreTheoryAttribute"/>, so that an engine not available on this machine shows them as skipped.
/// </remarks>
public abstract partial class StoreContract : IAsyncLifetime, IDisposable
{
    /// <summary>Bounds every store call: a hung lock wait fails the test instead of hanging the run.</summary>
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    protected const string Region = "cn-shanghai";
    protected const string OtherRegion = "cn-hangzhou";

    /// <summary>A creation time with a millisecond part, so that truncation to seconds would be caught.</summary>
    protected static readonly DateTimeOffset T0 = new(2026, 3, 4, 5, 6, 7, 89, TimeSpan.Zero);

    private static readonly string[] NoDns = [];

    private readonly CancellationTokenSource _deadline = new(Timeout);
    private readonly List<IOpenSagStore> _open = [];

    /// <summary>The migrated store the test works on.</summary>
    protected IOpenSagStore Store { get; private set; } = null!;

    protected CancellationToken Ct => _deadline.Token;

    /// <summary>The key this test's stores seal access-key secrets with, as a server's secrets key file.</summary>
    protected AccessKeySecretCipher Secrets { get; } = TestSecretsKey.New();

    /// <summary>
    /// A new, not yet migrated store object over this test's database: empty at the first call, and the same
    /// database at every later call within the test (the kit uses that to reopen, or to open it twice at once).
    /// </summary>
    protected IOpenSagStore CreateStore() => CreateStore(Secrets);

    /// <summary>As <see cref="CreateStore()"/>, sealing access-key secrets with <paramref name="secrets"/>.</summary>
    protected abstract IOpenSagStore CreateStore(AccessKeySecretCipher secrets);

    /// <summary>The access_keys.access_key_secret column of that key as the engine stored it, read around the store.</summary>
    protected abstract Task<string> ReadStoredSecretAsync(string accessKeyId);

    /// <summary>Overwrites that column around the store, as an older version or an attacker with the database could.</summary>
    protected abstract Task WriteStoredSecretAsync(string accessKeyId, string stored);

    public virtual async Task InitializeAsync() => Store = await OpenStoreAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _open)
        {
            await store.DisposeAsync();
        }

        _open.Clear();
    }

    /// <summary>xunit calls this after <see cref="DisposeAsync"/>, once the stores are closed.</summary>
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _deadline.Dispose();
        }
    }

    /// <summary>Another store object over the same database, migrated, as a second server process would open it.</summary>
    protected async Task<IOpenSagStore> OpenStoreAsync()
    {
        var store = CreateStore();
        _open.Add(store);
        await store.MigrateAsync(Ct);
        return store;
    }

    /// <summary>Disposes <see cref="Store"/> and opens the database afresh, as a restarted server does.</summary>
    protected async Task ReopenAsync()
    {
        _open.Remove(Store);
        await Store.DisposeAsync();
        Store = await OpenStoreAsync();
    }

    protected static Instance NewInstance(string regionId = Region, DateTimeOffset? createdAt = null, string name = "", int userCount = 10) => new()
    {
        SmartAGId = ResourceIds.NewSmartAgId(),
        RegionId = regionId,
        OrderId = ResourceIds.NewOrderId(),
        Name = name,
        Description = "test instance",
        CidrBlock = "10.10.0.0/24",
        UserCount = userCount,
        DataPlan = 5,
        Period = 1,
        ChargeType = "PREPAY",
        AutoPay = true,
        SecurityLockThreshold = 3,
        CreatedAt = createdAt ?? T0,
        EndsAt = (createdAt ?? T0).AddMonths(1),
        AppDns = ["10.10.0.53"],
        RecoveredDns = ["8.8.8.8", "1.1.1.1"],
    };

    protected static ClientUser NewUser(string smartAgId, string userName, DateTimeOffset? createdAt = null, string clientIp = "") => new()
    {
        SmartAGId = smartAgId,
        UserName = userName,
        UserMail = userName + "@example.com",
        Bandwidth = 2000,
        ClientIp = clientIp,
        PasswordHash = "hash-of-" + userName,
        State = UserState.Enabled,
        AccelerateBandwidth = 0,
        SessionGeneration = 0,
        CreatedAt = createdAt ?? T0,
    };

    protected async Task<Instance> AddInstanceAsync(string regionId = Region, DateTimeOffset? createdAt = null, string name = "", int userCount = 10)
    {
        var instance = NewInstance(regionId, createdAt, name, userCount);
        await Store.AddInstanceAsync(instance, Ct);
        return instance;
    }

    /// <summary>Adds a user that must be accepted; the limit is generous unless the test is about limits.</summary>
    protected async Task<ClientUser> AddUserAsync(string smartAgId, string userName, DateTimeOffset? createdAt = null, string clientIp = "")
    {
        var user = NewUser(smartAgId, userName, createdAt, clientIp);
        Assert.Equal(UserWriteResult.Done, await Store.TryAddUserAsync(user, 1000, Ct));
        return user;
    }

    protected static ClientAddressSpace Cidr(string text) =>
        ClientAddressSpace.TryParse(text, out var space) ? space : throw new ArgumentException("Not a CIDR block: " + text, nameof(text));

    /// <summary>Records compare their DNS lists by reference, so those are compared by content separately.</summary>
    protected static void AssertSameInstance(Instance expected, Instance? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.AppDns, actual.AppDns);
        Assert.Equal(expected.RecoveredDns, actual.RecoveredDns);
        Assert.Equal(expected with { AppDns = NoDns, RecoveredDns = NoDns }, actual with { AppDns = NoDns, RecoveredDns = NoDns });
    }
}
