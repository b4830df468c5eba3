using Microsoft.Extensions.Logging.Abstractions;
using OpenSag.Api.Tests.Support;
using OpenSag.Domain;
using OpenSag.Services;

namespace OpenSag.Api.Tests.Protocol;

/// <summary>The audit log stays bounded: entries past <see cref="AuditLog.Retention"/> go, once a day, when something is recorded.</summary>
public sealed class AuditLogRetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly Caller Admin = new("LTAIadmin", "127.0.0.1");

    private readonly InMemoryAuditStore _store = new();
    private readonly ManualTimeProvider _time = new(Now);
    private readonly AuditLog _log;

    public AuditLogRetentionTests() => _log = new AuditLog(_store, _time, NullLogger<AuditLog>.Instance);

    private Task RecordAsync() =>
        _log.RecordAsync(Admin, "KickOutClients", "cn-shanghai", "sag-one", "alice01", AuditEntry.Success, "", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

    [Fact]
    public async Task RecordAsync_FirstAfterStart_PrunesEntriesPastRetention()
    {
        await _store.AppendAuditAsync(new AuditEntry(0, Now - AuditLog.Retention - TimeSpan.FromSeconds(1), "k", "", "api", "a", "", "", "", "Success", ""), CancellationToken.None);
        await _store.AppendAuditAsync(new AuditEntry(0, Now - AuditLog.Retention, "k", "", "api", "b", "", "", "", "Success", ""), CancellationToken.None);

        await RecordAsync();

        Assert.Equal(["b", "KickOutClients"], _store.Entries.Select(e => e.Action));
    }

    [Fact]
    public async Task RecordAsync_WithinADayOfThePrune_DoesNotPruneAgainUntilTheDayHasPassed()
    {
        await RecordAsync();
        await _store.AppendAuditAsync(new AuditEntry(0, Now - AuditLog.Retention - TimeSpan.FromDays(1), "k", "", "api", "old", "", "", "", "Success", ""), CancellationToken.None);

        _time.Advance(TimeSpan.FromHours(23));
        await RecordAsync();
        Assert.Contains(_store.Entries, e => e.Action == "old");

        _time.Advance(TimeSpan.FromHours(1));
        await RecordAsync();
        Assert.DoesNotContain(_store.Entries, e => e.Action == "old");
    }
}
