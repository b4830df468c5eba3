using System.Diagnostics;
using System.Threading.Channels;
using OpenSag.Storage.Ado;

namespace OpenSag.Storage.Sqlite;

/// <summary>
/// Group commit for every write: one writer loop takes all the writes queued while the previous commit was syncing,
/// runs them in order in one transaction, each inside its own savepoint, and commits once. Concurrent kicks, edits
/// and creates share one fsync instead of paying one each in a row; since the loop is the only in-process writer,
/// writers queue here rather than in SQLite's sleeping busy handler.
/// </summary>
/// <remarks>
/// Each write sees the ones before it, exactly as if they had run one by one. Its caller is completed only after
/// the commit that holds it is durable, with its own result. A write that throws is rolled back to its savepoint
/// and fails only its own caller; if the transaction itself is lost (an I/O error, a full disk, a failed commit)
/// every caller of the batch fails. A caller cancelled before its turn is dropped, never written.
/// </remarks>
internal sealed class WriteQueue : IAsyncDisposable
{
    /// <summary>Bounds how long the write lock is held by one batch: a few milliseconds of indexed statements.</summary>
    internal const int MaxBatch = 256;

    private const string Savepoint = "write";

    /// <summary>The <c>engine</c> of <see cref="StoreMetrics"/>.</summary>
    private const string Engine = "sqlite";

    private readonly Channel<Write> _queue = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<CancellationToken, Task<DatabaseTransaction>> _begin;
    private readonly Task _writer;

    public WriteQueue(Func<CancellationToken, Task<DatabaseTransaction>> begin)
    {
        _begin = begin;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in the next batch; returns its result once that batch is committed. The work
    /// must only run statements on the transaction it is given: the whole batch waits for it. Its changes are
    /// kept if <paramref name="keep"/> says so of its result, else rolled back (a refused check-then-write).
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<DatabaseTransaction, CancellationToken, Task<T>> work, Func<T, bool> keep, CancellationToken cancellationToken)
    {
        var write = new Write(
            async (transaction, ct) =>
            {
                var result = await work(transaction, ct);
                return (result, keep(result));
            },
            cancellationToken);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(write), this);

        return (T)(await write.Done.Task)!;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Write>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var write))
            {
                if (write.CancellationToken.IsCancellationRequested)
                {
                    write.Done.TrySetCanceled(write.CancellationToken);
                }
                else
                {
                    batch.Add(write);
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
    private async Task CommitAsync(List<Write> batch)
    {
        var results = new object?[batch.Count];
        var failures = new Exception?[batch.Count];
        var started = Stopwatch.GetTimestamp();
        try
        {
            // Not the callers' tokens: the batch is shared, and one caller going away must not abort the others.
            await using var transaction = await _begin(CancellationToken.None);
            for (var i = 0; i < batch.Count; i++)
            {
                transaction.Save(Savepoint);
                try
                {
                    (results[i], var kept) = await batch[i].Work(transaction, batch[i].CancellationToken);
                    if (kept)
                    {
                        transaction.Release(Savepoint);
                    }
                    else
                    {
                        transaction.RollbackTo(Savepoint);
                    }
                }
                catch (Exception e) when (transaction.IsActive)
                {
                    failures[i] = e;
                    transaction.RollbackTo(Savepoint);
                }
            }

            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            var failedAfter = Stopwatch.GetElapsedTime(started);
            foreach (var write in batch)
            {
                write.Done.TrySetException(e);
            }

            StoreMetrics.Batch(Engine, batch.Count, failedAfter, committed: false);
            return;
        }

        // Recorded after the callers are completed: this loop is the one writer, so its callers (and the next batch)
        // should not wait for the metrics' bookkeeping.
        var committedAfter = Stopwatch.GetElapsedTime(started);
        for (var i = 0; i < batch.Count; i++)
        {
            if (failures[i] is OperationCanceledException && batch[i].CancellationToken.IsCancellationRequested)
            {
                batch[i].Done.TrySetCanceled(batch[i].CancellationToken);
            }
            else if (failures[i] is { } failure)
            {
                batch[i].Done.TrySetException(failure);
            }
            else
            {
                batch[i].Done.TrySetResult(results[i]);
            }
        }

        StoreMetrics.Batch(Engine, batch.Count, committedAfter, committed: true);
    }

    private sealed record Write(Func<DatabaseTransaction, CancellationToken, Task<(object? Result, bool Keep)>> Work, CancellationToken CancellationToken)
    {
        // Continuations run off the writer loop, so a caller's work never delays the next batch.
        public TaskCompletionSource<object?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
