using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OpenSag.Cluster.Postgres;
using OpenSag.Domain;
using OpenSag.IntegrationTests.Support;
using OpenSag.Sessions;

namespace OpenSag.IntegrationTests.Cluster;

/// <summary>
/// Change notices over PostgreSQL NOTIFY (issue 12 item 4): what one node publishes on its <see cref="ChangeFeed"/>
/// reaches every other node's feed, once, and the listening connection repairs itself. Two nodes in this process, each
/// with its own database pool, listener and feed, on one fresh test database: the real server's parts, without its
/// gateway, so the test sees exactly which notices each node's feed delivered.
/// </summary>
public sealed class ClusterChangeNoticeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [PostgresFact]
    public async Task ChangeNotice_PublishedOnNodeA_ReachesNodeBOnceAndNeverComesBack()
    {
        await using var database = await PostgresTestDatabase.CreateAsync(CancellationToken.None).WaitAsync(Bound);
        await using var a = await InProcessNode.StartAsync(database.ConnectionString, "node-a");
        await using var b = await InProcessNode.StartAsync(database.ConnectionString, "node-b");
        // 300 ids of 64 characters: three NOTIFY payloads.
        string[] ids = [.. Enumerable.Range(0, 300).Select(i => $"sag-{i:D6}{new string('x', 54)}")];

        await a.Feed.PublishAsync(new ChangeNotice(ChangeNotice.AclKind, ids), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(ids, (await a.NextAsync()).SmartAGIds);
        var onB = new List<ChangeNotice>();
        while (onB.Sum(n => n.SmartAGIds.Count) < ids.Length)
        {
            onB.Add(await b.NextAsync());
        }

        Assert.True(onB.Count > 1, "300 ids were expected to need several payloads");
        Assert.All(onB, n => Assert.Equal(ChangeNotice.AclKind, n.Kind));
        Assert.Equal(ids, onB.SelectMany(n => n.SmartAGIds));

        // PostgreSQL delivers notifications in commit order, so each node hears its own echo before the other's next
        // notice: a node that took its own for another's would deliver it first.
        await b.Feed.PublishAsync(new ChangeNotice(ChangeNotice.AclKind, ["sag-from-b"]), CancellationToken.None).WaitAsync(Bound);
        Assert.Equal(["sag-from-b"], (await b.NextAsync()).SmartAGIds);
        Assert.Equal(["sag-from-b"], (await a.NextAsync()).SmartAGIds);
        await a.Feed.PublishAsync(new ChangeNotice(ChangeNotice.AclKind, ["sag-from-a"]), CancellationToken.None).WaitAsync(Bound);
        Assert.Equal(["sag-from-a"], (await a.NextAsync()).SmartAGIds);
        Assert.Equal(["sag-from-a"], (await b.NextAsync()).SmartAGIds);
        await b.Feed.PublishAsync(new ChangeNotice(ChangeNotice.AclKind, ["sag-from-b-again"]), CancellationToken.None).WaitAsync(Bound);
        Assert.Equal(["sag-from-b-again"], (await b.NextAsync()).SmartAGIds);
        Assert.Equal(["sag-from-b-again"], (await a.NextAsync()).SmartAGIds);
    }

    [PostgresFact]
    public async Task ClusterListener_ConnectionTerminated_LogsReconnectsCatchesUpAndHearsLaterNotices()
    {
        await using var database = await PostgresTestDatabase.CreateAsync(CancellationToken.None).WaitAsync(Bound);
        // The catch-up sweep reads the store's users for the sessions it holds; the store's table, reduced to what the sweep reads.
        await ExecuteAsync(database.ConnectionString,
            $"CREATE TABLE client_users (smart_ag_id text, user_name text, session_generation bigint, state int); INSERT INTO client_users VALUES ('sag-held', 'erin', 0, {(int)UserState.Enabled})");
        await using var a = await InProcessNode.StartAsync(database.ConnectionString, "node-a");
        await using var b = await InProcessNode.StartAsync(database.ConnectionString, "node-b");
        Assert.True(await b.Registry.PublishAsync(new HeldSession("sag-held", "erin"), CancellationToken.None));
        var before = await b.ListenerPidAsync();

        await ExecuteAsync(database.ConnectionString, $"SELECT pg_terminate_backend({before})");

        // Whatever was announced while it did not listen is re-applied for the instances it holds sessions of.
        var catchUp = await b.NextAsync();
        Assert.Equal(ChangeNotice.AclKind, catchUp.Kind);
        Assert.Equal(["sag-held"], catchUp.SmartAGIds);
        Assert.Contains(b.ListenerLog, line => line.StartsWith("Cluster listener lost the database", StringComparison.Ordinal));
        Assert.NotEqual(before, await b.ListenerPidAsync());
        Assert.True(b.Registry.Count == 1, "the catch-up sweep closed a session that is not stale");

        await a.Feed.PublishAsync(new ChangeNotice(ChangeNotice.AclKind, ["sag-after"]), CancellationToken.None).WaitAsync(Bound);
        Assert.Equal(["sag-after"], (await b.NextAsync()).SmartAGIds);
    }

    [Fact]
    public async Task BroadcastAsync_DatabaseUnreachable_LogsAndReturnsSinceTheChangeIsAlreadyStored()
    {
        // Port 1 on loopback: nothing listens, so the connection is refused at once.
        await using var database = new ClusterDatabase(new ClusterOptions("Host=127.0.0.1;Port=1;Username=postgres;Timeout=5", "node-a"));
        var log = new ListLogger<ClusterChangeBroadcast>();
        var broadcast = new ClusterChangeBroadcast(database, log);

        await broadcast.BroadcastAsync(new ChangeNotice(ChangeNotice.AclKind, ["sag-x"]), CancellationToken.None).WaitAsync(Bound);

        Assert.Contains(log.Lines, line => line.StartsWith("Change notice (acl, 1 instance(s)) not sent to the other nodes", StringComparison.Ordinal));
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync().WaitAsync(Bound);
    }

    /// <summary>One node's cluster notice parts, as AddPostgresCluster wires them, with a feed subscriber that records every delivered notice.</summary>
    private sealed class InProcessNode : IAsyncDisposable
    {
        private readonly ClusterDatabase _database;
        private readonly ChangeReceiver _receiver;
        private readonly ClusterListener _listener;
        private readonly Channel<ChangeNotice> _delivered = Channel.CreateUnbounded<ChangeNotice>();
        private readonly ListLogger<ClusterListener> _listenerLog = new();

        private InProcessNode(string connectionString, string nodeId)
        {
            _database = new ClusterDatabase(new ClusterOptions(connectionString, nodeId));
            Feed = new ChangeFeed([new ClusterChangeBroadcast(_database, NullLogger<ClusterChangeBroadcast>.Instance)]);
            _receiver = new ChangeReceiver(_database, Feed, Registry, NullLogger<ChangeReceiver>.Instance);
            _listener = new ClusterListener(_database, Registry, new StaleSessionSweep(_database, Registry), _receiver, _listenerLog);
            Feed.Subscribe((notice, cancellationToken) => _delivered.Writer.WriteAsync(notice, cancellationToken).AsTask());
        }

        public ChangeFeed Feed { get; }

        public SessionRegistry Registry { get; } = new();

        public IReadOnlyCollection<string> ListenerLog => _listenerLog.Lines;

        /// <summary>Started and listening (its LISTEN has run, so every later NOTIFY reaches it).</summary>
        public static async Task<InProcessNode> StartAsync(string connectionString, string nodeId)
        {
            var node = new InProcessNode(connectionString, nodeId);
            await node._receiver.StartAsync(CancellationToken.None);
            await node._listener.StartAsync(CancellationToken.None);
            await node.ListenerPidAsync();
            return node;
        }

        /// <summary>The next notice this node's feed delivered, within the test's bound.</summary>
        public async Task<ChangeNotice> NextAsync() => await _delivered.Reader.ReadAsync().AsTask().WaitAsync(Bound);

        /// <summary>The backend pid of the node's listening connection, once it has run its LISTEN.</summary>
        public async Task<int> ListenerPidAsync()
        {
            var pids = await Polling.UntilAsync(
                () => _database.QueryAsync(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'LISTEN%' AND state = 'idle'",
                    p => p.AddWithValue(ClusterListener.ListenerApplicationName(_database.NodeId)),
                    r => r.GetInt32(0),
                    CancellationToken.None),
                pids => pids.Count == 1,
                Bound,
                $"{_database.NodeId} listening");
            return pids[0];
        }

        public async ValueTask DisposeAsync()
        {
            using var timeout = new CancellationTokenSource(Bound);
            await _listener.StopAsync(timeout.Token);
            await _receiver.StopAsync(timeout.Token);
            _listener.Dispose();
            _receiver.Dispose();
            await _database.DisposeAsync();
        }
    }

    /// <summary>A session this node holds, for the registry; it never closes on its own.</summary>
    private sealed class HeldSession(string smartAgId, string userName) : IOnlineSession
    {
        public SessionTraffic Traffic { get; } = new();

        public OnlineSessionInfo Info { get; } = new()
        {
            SessionId = Guid.NewGuid().ToString("N"),
            SmartAGId = smartAgId,
            UserName = userName,
            ClientIp = "10.40.0.2",
            OnlineSince = DateTimeOffset.UnixEpoch,
        };

        public SessionState State { get; private set; } = SessionState.Admitting;

        public bool TryGoOnline()
        {
            State = SessionState.Online;
            return true;
        }

        public ValueTask CloseAsync(SessionCloseReason reason, CancellationToken cancellationToken)
        {
            State = SessionState.Closed;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class ListLogger<T> : ILogger<T>
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue(formatter(state, exception));
    }
}
