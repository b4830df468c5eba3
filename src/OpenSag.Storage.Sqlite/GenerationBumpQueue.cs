using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace OpenSag.Storage.Sqlite;

/// <summary>
/// Group commit for session-generation bumps: one writer loop takes every bump queued while the previous commit was
/// syncing and commits them in one transaction, so 64 concurrent kicks share one fsync instead of paying 64 in a row.
/// </summary>
/// <remarks>
/// Each caller is completed only after the commit that holds its bump is durable, with its own result (the new
/// generation, or null for an unknown user). A statement that fails fails only its caller, since SQLite undoes just
/// that statement; if the transaction itself is lost (an I/O error, a failed commit) every caller of the batch
/// fails. A caller cancelled before its batch starts is dropped, never written.
/// </remarks>
internal sealed class GenerationBumpQueue : IAsyncDisposable
{
    /// <summary>Bounds how long the write lock is held by one batch: 256 indexed updates take a few milliseconds.</summary>
    internal const int MaxBatch = 256;

    private const string BumpSql = """
        UPDATE client_users SET session_generation = session_generation + 1
        WHERE smart_ag_id = $id AND user_name = $name
        RETURNING session_generation
        """;

    private readonly Channel<Bump> _queue = Channel.CreateUnbounded<Bump>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<CancellationToken, Task<DatabaseTransaction>> _beginWrite;
    private readonly Task _writer;

    public GenerationBumpQueue(Func<CancellationToken, Task<DatabaseTransaction>> beginWrite)
    {
        _beginWrite = beginWrite;
        _writer = Task.Run(WriteLoopAsync);
    }

    public Task<long?> BumpAsync(string smartAgId, string userName, CancellationToken cancellationToken)
    {
        var bump = new Bump(smartAgId, userName, cancellationToken);
        return _queue.Writer.TryWrite(bump) ? bump.Done.Task : throw new ObjectDisposedException(nameof(SqliteStore));
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Bump>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var bump))
            {
                if (bump.CancellationToken.IsCancellationRequested)
                {
                    bump.Done.TrySetCanceled(bump.CancellationToken);
                }
                else
                {
                    batch.Add(bump);
                }
            }

            if (batch.Count > 0)
            {
                await CommitAsync(batch);
                batch.Clear();
            }
        }
    }

    /// <summary>Never throws: every outcome, the loop's own faults included, goes to the callers of the batch.</summary>
    private async Task CommitAsync(List<Bump> batch)
    {
        var results = new long?[batch.Count];
        var failures = new Exception?[batch.Count];
        try
        {
            // Not the callers' tokens: the batch is shared, and one caller going away must not abort the others.
            await using var transaction = await _beginWrite(CancellationToken.None);
            var command = transaction.Command(BumpSql);
            var id = command.Parameters.Add("$id", SqliteType.Text);
            var name = command.Parameters.Add("$name", SqliteType.Text);
            for (var i = 0; i < batch.Count; i++)
            {
                id.Value = batch[i].SmartAgId;
                name.Value = batch[i].UserName;
                try
                {
                    results[i] = (long?)await command.ExecuteScalarAsync(CancellationToken.None);
                }
                catch (SqliteException e) when (transaction.IsActive)
                {
                    failures[i] = e;
                }
            }

            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            foreach (var bump in batch)
            {
                bump.Done.TrySetException(e);
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (failures[i] is { } failure)
            {
                batch[i].Done.TrySetException(failure);
            }
            else
            {
                batch[i].Done.TrySetResult(results[i]);
            }
        }
    }

    private sealed record Bump(string SmartAgId, string UserName, CancellationToken CancellationToken)
    {
        // Continuations run off the writer loop, so a caller's work never delays the next batch.
        public TaskCompletionSource<long?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
