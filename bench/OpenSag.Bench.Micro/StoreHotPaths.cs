using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using OpenSag.Domain;
using OpenSag.Security;
using OpenSag.Storage;
using OpenSag.Storage.Sqlite;

namespace OpenSag.Bench.Micro;

/// <summary>
/// The store calls behind the API read path (access key, instance, a page of users) and the kick's generation bump,
/// alone and 64 at once as at 64 API connections; on a real file in the temp folder, so commits pay their fsync.
/// </summary>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet needs an unsealed class; [GlobalCleanup] disposes the store.")]
public class StoreHotPaths
{
    private const int Concurrent = 64;
    private const string KeyId = "LTAIbenchroot0000001";
    private const string Region = "cn-shanghai";

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("opensag-micro-");
    private SqliteStore _store = null!;
    private string _instance = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _store = new SqliteStore(Path.Combine(_folder.FullName, "opensag.db"), new AccessKeySecretCipher(RandomNumberGenerator.GetBytes(AccessKeySecretCipher.KeyBytes)));
        await _store.MigrateAsync(CancellationToken.None);
        await _store.TryAddAccessKeyAsync(new AccessKey(KeyId, "secret", true, DateTimeOffset.UtcNow), CancellationToken.None);
        _instance = ResourceIds.NewSmartAgId();
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        await _store.AddInstanceAsync(new Instance
        {
            SmartAGId = _instance,
            RegionId = Region,
            OrderId = ResourceIds.NewOrderId(),
            ChargeType = "PREPAY",
            Period = 1,
            UserCount = 100,
            DataPlan = 0,
            AutoPay = false,
            CreatedAt = now,
            EndsAt = now.AddMonths(1),
        }, CancellationToken.None);
        for (var i = 0; i < 10; i++)
        {
            var user = new ClientUser { SmartAGId = _instance, UserName = "reader" + i, UserMail = "", Bandwidth = 1000, PasswordHash = "x", CreatedAt = now };
            await _store.TryAddUserAsync(user, 100, CancellationToken.None);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _folder.Delete(recursive: true);
    }

    [Benchmark]
    public Task<AccessKey?> FindAccessKey() => _store.FindAccessKeyAsync(KeyId, CancellationToken.None);

    [Benchmark]
    public Task<Instance?> FindInstance() => _store.FindInstanceAsync(Region, _instance, CancellationToken.None);

    [Benchmark]
    public Task<Page<ClientUser>> ListUsersPage10() => _store.ListUsersAsync(new UserFilter(_instance), 1, 10, CancellationToken.None);

    [Benchmark]
    public Task<long?> BumpGeneration() => _store.BumpSessionGenerationAsync(_instance, "reader0", CancellationToken.None);

    /// <summary>Per bump, with 64 in flight: what 64 concurrent kicks cost the store.</summary>
    [Benchmark(OperationsPerInvoke = Concurrent)]
    public Task BumpGeneration64Concurrent() =>
        Task.WhenAll(Enumerable.Range(0, Concurrent).Select(i => _store.BumpSessionGenerationAsync(_instance, "reader" + (i % 10), CancellationToken.None)));
}
