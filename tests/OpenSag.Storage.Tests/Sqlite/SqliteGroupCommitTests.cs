using Microsoft.Data.Sqlite;
using OpenSag.Domain;
using OpenSag.Storage.Sqlite;
using OpenSag.Storage.Tests.Contract;

namespace OpenSag.Storage.Tests.Sqlite;

/// <summary>
/// The group commit behind every write of <see cref="SqliteStore"/> (kicks' generation bumps above all): concurrent
/// writes share a transaction but each keeps its own result, durability and failure.
/// </summary>
public sealed class SqliteGroupCommitTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset T0 = new(2026, 3, 4, 5, 6, 7, 89, TimeSpan.Zero);

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("opensag-group-commit-tests-");
    private readonly CancellationTokenSource _deadline = new(Timeout);
    private readonly string _instance = ResourceIds.NewSmartAgId();
    private SqliteStore _store = null!;

    private string DatabasePath => Path.Combine(_folder.FullName, "opensag.db");

    private CancellationToken Ct => _deadline.Token;

    public async Task InitializeAsync()
    {
        _store = new SqliteStore(DatabasePath, TestSecretsKey.New());
        await _store.MigrateAsync(Ct);
        await _store.AddInstanceAsync(NewInstance(_instance), Ct);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _folder.Delete(recursive: true);
    }

    public void Dispose() => _deadline.Dispose();

    [Fact]
    public async Task BumpSessionGenerationAsync_ManyAtOnceForOneUser_EachGetsADistinctGeneration()
    {
        await AddUserAsync("alice");

        var generations = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() => _store.BumpSessionGenerationAsync(_instance, "alice", Ct)))).WaitAsync(Timeout);

        Assert.Equal(Enumerable.Range(1, 100).Select(g => (long?)g), generations.Order());
    }

    [Fact]
    public async Task BumpSessionGenerationAsync_ManyUsersAtOnce_AllDurableAfterReopen()
    {
        var users = Enumerable.Range(0, 10).Select(i => "user" + i).ToArray();
        foreach (var user in users)
        {
            await AddUserAsync(user);
        }

        await Task.WhenAll(users.SelectMany(u => Enumerable.Range(0, 20).Select(_ => Task.Run(() => _store.BumpSessionGenerationAsync(_instance, u, Ct))))).WaitAsync(Timeout);
        await _store.DisposeAsync();
        _store = new SqliteStore(DatabasePath, TestSecretsKey.New());
        await _store.MigrateAsync(Ct);

        foreach (var user in users)
        {
            Assert.Equal(20, (await _store.FindUserAsync(_instance, user, Ct))!.SessionGeneration);
        }
    }

    [Fact]
    public async Task BumpSessionGenerationAsync_UnknownUserAmongKnown_NullForItOnly()
    {
        await AddUserAsync("alice");

        var results = await Task.WhenAll(
            _store.BumpSessionGenerationAsync(_instance, "alice", Ct),
            _store.BumpSessionGenerationAsync(_instance, "nobody", Ct),
            _store.BumpSessionGenerationAsync(_instance, "alice", Ct)).WaitAsync(Timeout);

        Assert.Null(results[1]);
        Assert.Equal([1L, 2L], new[] { results[0], results[2] }.Order());
    }

    [Fact]
    public async Task BumpSessionGenerationAsync_OneStatementFailsInABatch_OnlyThatCallerFails()
    {
        await AddUserAsync("alice");
        await AddUserAsync("poison");
        await ExecuteRawAsync("""
            CREATE TRIGGER poison BEFORE UPDATE OF session_generation ON client_users WHEN NEW.user_name = 'poison'
            BEGIN SELECT RAISE(ABORT, 'poisoned'); END
            """);

        var bumps = Enumerable.Range(0, 30)
            .Select(i => Task.Run(() => _store.BumpSessionGenerationAsync(_instance, i % 3 == 0 ? "poison" : "alice", Ct)))
            .ToArray();
        await Task.WhenAll(bumps).ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Timeout);

        for (var i = 0; i < bumps.Length; i++)
        {
            if (i % 3 == 0)
            {
                await Assert.ThrowsAsync<SqliteException>(() => bumps[i]);
            }
            else
            {
                Assert.NotNull(await bumps[i]);
            }
        }

        await _store.DisposeAsync();
        _store = new SqliteStore(DatabasePath, TestSecretsKey.New());
        Assert.Equal(20, (await _store.FindUserAsync(_instance, "alice", Ct))!.SessionGeneration);
        Assert.Equal(0, (await _store.FindUserAsync(_instance, "poison", Ct))!.SessionGeneration);
    }

    [Fact]
    public async Task BumpSessionGenerationAsync_CallerCancelledBeforeItsBatch_NotWritten()
    {
        await AddUserAsync("alice");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.BumpSessionGenerationAsync(_instance, "alice", cancelled.Token).WaitAsync(Timeout));

        Assert.Equal(1, await _store.BumpSessionGenerationAsync(_instance, "alice", Ct).WaitAsync(Timeout));
    }

    [Fact]
    public async Task BumpSessionGenerationAsync_AfterDispose_ThrowsObjectDisposed()
    {
        await _store.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => _store.BumpSessionGenerationAsync(_instance, "alice", Ct));
    }

    [Fact]
    public async Task Writes_OfEveryKindAtOnce_EachKeepsItsOwnResult_AllDurableAfterReopen()
    {
        foreach (var user in new[] { "edit0", "edit1", "edit2", "edit3", "edit4" })
        {
            await AddUserAsync(user);
        }

        var creates = Enumerable.Range(0, 40).Select(i => Task.Run(() => _store.TryAddUserAsync(User("new" + i), 1000, Ct))).ToArray();
        var duplicates = Enumerable.Range(0, 5).Select(i => Task.Run(() => _store.TryAddUserAsync(User("edit" + i), 1000, Ct))).ToArray();
        var edits = Enumerable.Range(0, 5).Select(i => Task.Run(() => _store.UpdateUserAsync(new ClientUserChange(_instance, "edit" + i) { Bandwidth = 100 + i }, Ct))).ToArray();
        var bumps = Enumerable.Range(0, 5).Select(i => Task.Run(() => _store.BumpSessionGenerationAsync(_instance, "edit" + i, Ct))).ToArray();
        await Task.WhenAll([.. creates, .. duplicates, .. edits, .. bumps]).WaitAsync(Timeout);

        Assert.All(creates, c => Assert.Equal(UserWriteResult.Done, c.Result));
        Assert.All(duplicates, d => Assert.Equal(UserWriteResult.NameTaken, d.Result));
        Assert.All(bumps, b => Assert.Equal(1, b.Result));
        await _store.DisposeAsync();
        _store = new SqliteStore(DatabasePath, TestSecretsKey.New());
        var page = await _store.ListUsersAsync(new UserFilter(_instance), 1, 100, Ct);
        Assert.Equal(45, page.TotalCount);
        for (var i = 0; i < 5; i++)
        {
            var edited = await _store.FindUserAsync(_instance, "edit" + i, Ct);
            Assert.Equal((100 + i, 1L), (edited!.Bandwidth, edited.SessionGeneration));
        }
    }

    [Fact]
    public async Task Writes_ARefusedMoveAmongOtherWrites_UndoesOnlyItsOwnDelete()
    {
        var target = ResourceIds.NewSmartAgId();
        await _store.AddInstanceAsync(NewInstance(target), Ct);
        Assert.Equal(UserWriteResult.Done, await _store.TryAddUserAsync(User("mover") with { ClientIp = "10.0.0.7" }, 1000, Ct));
        Assert.Equal(UserWriteResult.Done, await _store.TryAddUserAsync(User("holder") with { SmartAGId = target, ClientIp = "10.0.0.7" }, 1000, Ct));

        // The move deletes "mover" from the origin, then its insert into the target is refused (the static address
        // is held there): that write's delete must be undone, and nothing else in its batch.
        var moves = Enumerable.Range(0, 10).Select(_ => Task.Run(() => _store.TryMoveUserAsync(_instance, "mover", target, 1000, Ct))).ToArray();
        var creates = Enumerable.Range(0, 20).Select(i => Task.Run(() => _store.TryAddUserAsync(User("other" + i), 1000, Ct))).ToArray();
        await Task.WhenAll([.. moves, .. creates]).WaitAsync(Timeout);

        Assert.All(moves, m => Assert.Equal(UserWriteResult.ClientIpTaken, m.Result));
        Assert.All(creates, c => Assert.Equal(UserWriteResult.Done, c.Result));
        Assert.NotNull(await _store.FindUserAsync(_instance, "mover", Ct));
        Assert.Null(await _store.FindUserAsync(target, "mover", Ct));
        Assert.Equal(21, (await _store.ListUsersAsync(new UserFilter(_instance), 1, 100, Ct)).TotalCount);
    }

    private static Instance NewInstance(string smartAgId) => new()
    {
        SmartAGId = smartAgId,
        RegionId = "cn-shanghai",
        OrderId = ResourceIds.NewOrderId(),
        CidrBlock = "10.0.0.0/24",
        UserCount = 1000,
        DataPlan = 5,
        Period = 1,
        ChargeType = "PREPAY",
        AutoPay = true,
        CreatedAt = T0,
        EndsAt = T0.AddMonths(1),
    };

    private ClientUser User(string userName) => new()
    {
        SmartAGId = _instance,
        UserName = userName,
        UserMail = userName + "@example.com",
        Bandwidth = 2000,
        PasswordHash = "hash-of-" + userName,
        CreatedAt = T0,
    };

    private async Task AddUserAsync(string userName) =>
        Assert.Equal(UserWriteResult.Done, await _store.TryAddUserAsync(new ClientUser
        {
            SmartAGId = _instance,
            UserName = userName,
            UserMail = userName + "@example.com",
            Bandwidth = 2000,
            PasswordHash = "hash-of-" + userName,
            CreatedAt = T0,
        }, 1000, Ct));

    private async Task ExecuteRawAsync(string sql)
    {
        await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DatabasePath, Pooling = false }.ToString());
        await connection.OpenAsync(Ct);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }
}
