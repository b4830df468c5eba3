using System.Data.Common;
using OpenSag.Domain;
using OpenSag.Security;

namespace OpenSag.Storage.Ado;

/// <summary>
/// The store operations written once for every SQL engine (DESIGN.md §5.1): each operation's statements, checks and
/// row mapping. An engine derives from it and gives what truly differs: how a write transaction is run and committed
/// (<see cref="WriteAsync{T}"/>), how a read begins (<see cref="BeginReadAsync"/>), its <see cref="SqlDialect"/>, its
/// schema, and the few operations it does its own way.
/// </summary>
/// <remarks>
/// Concurrency: every check a write answers runs in the write's own transaction. SQLite's write transactions exclude
/// every other writer from their start; PostgreSQL's are READ COMMITTED and take a row lock (<see
/// cref="SqlDialect.ForUpdate"/>) on the row that scopes the invariant before reading what they check, so each
/// statement after the lock sees what the previous holder committed.
/// <para>
/// Adding a table: its DDL as the next step, with the same version number, in both engines' <c>Migrations</c>; its
/// column list and <c>Read…</c> method in <see cref="RowMapping"/>; its operations in a new
/// <c>RelationalStore.&lt;Area&gt;.cs</c>, using <see cref="Dialect"/> for instants, lists and locks; its interface
/// added to <see cref="IOpenSagStore"/>; its cases in the store kit (tests/OpenSag.Storage.Tests/Contract), which
/// runs them on both engines.
/// </para>
/// </remarks>
public abstract partial class RelationalStore : IOpenSagStore
{
    protected RelationalStore(SqlDialect dialect, AccessKeySecretCipher secrets)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(secrets);
        Dialect = dialect;
        Rows = new RowMapping(dialect);
        Secrets = secrets;
    }

    protected SqlDialect Dialect { get; }

    protected RowMapping Rows { get; }

    /// <summary>Seals access-key secrets before they are written and opens them when read.</summary>
    protected AccessKeySecretCipher Secrets { get; }

    public abstract Task MigrateAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction and returns its result once that is durably committed.
    /// The work's changes are committed only if <paramref name="keep"/> says so of its result, else rolled back (a
    /// refused check-then-write); an exception rolls them back and is rethrown. The work must only run statements
    /// on the transaction it is given.
    /// </summary>
    protected abstract Task<T> WriteAsync<T>(Func<StoreTransaction, CancellationToken, Task<T>> work, Func<T, bool> keep, CancellationToken cancellationToken);

    /// <summary>A write that is always kept.</summary>
    protected Task<T> WriteAsync<T>(Func<StoreTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        WriteAsync(work, _ => true, cancellationToken);

    /// <summary>
    /// Begins a read. Several statements read one snapshot, so that a listing's total and its page agree;
    /// <paramref name="singleStatement"/> tells the engine only one statement follows (SQLite then skips BEGIN).
    /// </summary>
    protected abstract Task<StoreTransaction> BeginReadAsync(bool singleStatement, CancellationToken cancellationToken);

    /// <summary>One page of a listing and the listing's unpaged total, from one snapshot.</summary>
    /// <param name="fromWhere">The FROM and WHERE clauses; <paramref name="bindFilter"/> binds their parameters.</param>
    protected async Task<Page<T>> ReadPageAsync<T>(
        string columns,
        string fromWhere,
        string orderBy,
        Action<DbCommand> bindFilter,
        Func<DbDataReader, T> map,
        int pageNumber,
        int pageSize,
        CancellationToken cancellationToken)
    {
        await using var transaction = await BeginReadAsync(singleStatement: false, cancellationToken);
        return await ReadPageAsync(transaction, columns, fromWhere, orderBy, bindFilter, map, pageNumber, pageSize, cancellationToken);
    }

    /// <summary>As <see cref="ReadPageAsync{T}(string, string, string, Action{DbCommand}, Func{DbDataReader, T}, int, int, CancellationToken)"/>, in a read the caller has begun.</summary>
    protected static async Task<Page<T>> ReadPageAsync<T>(
        StoreTransaction transaction,
        string columns,
        string fromWhere,
        string orderBy,
        Action<DbCommand> bindFilter,
        Func<DbDataReader, T> map,
        int pageNumber,
        int pageSize,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(bindFilter);
        var (limit, offset) = PageWindow(pageNumber, pageSize);
        var count = transaction.Command($"SELECT count(*) {fromWhere}");
        bindFilter(count);
        var total = await ReadCountAsync(count, cancellationToken);

        var select = transaction.Command($"SELECT {columns} {fromWhere} ORDER BY {orderBy} LIMIT @limit OFFSET @offset");
        bindFilter(select);
        select.Bind("limit", limit);
        select.Bind("offset", offset);
        var items = await ReadAllAsync(select, map, cancellationToken);
        return new Page<T>(items, checked((int)total), pageNumber, pageSize);
    }

    /// <summary>LIMIT and OFFSET of a 1-based page; the offset is a long so that a huge page number cannot overflow.</summary>
    protected static (long Limit, long Offset) PageWindow(int pageNumber, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageNumber, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        return (pageSize, (pageNumber - 1L) * pageSize);
    }

    protected static async Task<List<T>> ReadAllAsync<T>(DbCommand command, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(map);
        var items = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(map(reader));
        }

        return items;
    }

    protected static async Task<T?> ReadFirstAsync<T>(DbCommand command, Func<DbDataReader, T> map, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(map);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? map(reader) : null;
    }

    /// <summary>A <c>count(*)</c>; both engines return it as a 64-bit integer.</summary>
    protected static async Task<long> ReadCountAsync(DbCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
