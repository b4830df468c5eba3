using System.Data.Common;

namespace OpenSag.Storage.Ado;

/// <summary>
/// One connection and (usually) one transaction on it: what every store operation runs its statements in. Disposing
/// without committing rolls back; who commits is the engine's business (<see cref="RelationalStore.WriteAsync{T}"/>).
/// </summary>
public abstract class StoreTransaction : IAsyncDisposable
{
    /// <summary>
    /// A command for <paramref name="sql"/> enlisted in this transaction, with no parameters. It belongs to the
    /// transaction (an engine may keep it prepared across operations): callers never dispose it.
    /// </summary>
    public abstract DbCommand Command(string sql);

    public abstract ValueTask DisposeAsync();
}
