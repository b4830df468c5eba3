using OpenSag.Security;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// Runs password checks (PBKDF2-SHA512, 210,000 iterations: about 0.2 s of one core each) at most
/// <see cref="GatewayOptions.PasswordCheckConcurrency"/> at a time. Unbounded, a login storm puts every core on hashing
/// and the TLS handshakes, upgrades and reads of the other clients starve until they time out; bounded, the checks
/// queue (asynchronously, holding no thread) while at least one core keeps serving I/O. The queue is the fair one of
/// <see cref="SemaphoreSlim"/>: first come, first served. A client waiting here is not on any deadline: the login
/// deadline covers only reading its login message (<see cref="ControlEndpoint"/>).
/// </summary>
public sealed class PasswordCheckGate(GatewayOptions options, Func<string, string, bool>? verify = null) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.PasswordCheckConcurrency, options.PasswordCheckConcurrency);
    private readonly Func<string, string, bool> _verify = verify ?? PasswordHash.Verify;
    private int _pending;

    /// <summary>Checks waiting for a slot or running now (for diagnostics and tests).</summary>
    public int Pending => Volatile.Read(ref _pending);

    public async Task<bool> VerifyAsync(string password, string stored, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _pending);
        try
        {
            await _slots.WaitAsync(cancellationToken);
            try
            {
                // On the thread pool, but never more threads than slots: the hash is synchronous CPU work.
                return _verify(password, stored);
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose() => _slots.Dispose();
}
