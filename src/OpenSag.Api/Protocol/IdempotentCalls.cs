using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using OpenSag.Errors;
using OpenSag.Storage;

namespace OpenSag.Api.Protocol;

/// <summary>
/// ClientToken idempotency for every action that declares a ClientToken (issue 12 item 5), as ECS and VPC document it:
/// a call repeated with the same token and the same parameters gets the first call's answer again without acting
/// twice; the same token with other parameters is IdempotentParameterMismatch. Tokens are per caller (AccessKeyId) and
/// action, kept <see cref="Retention"/> in the shared store, so this holds across restarts and nodes. Only answers
/// that succeeded are kept: a refused call may be retried with its token.
/// </summary>
/// <remarks>
/// A token is claimed in the store before its call runs, so of concurrent calls with one token only one acts. Another
/// call with that token on this node waits for it and then gets its answer; one on another node, which cannot wait for
/// it, is answered LastTokenProcessing (ECS's code for exactly this), which clients retry. A claim whose call never
/// answered (its node died) is taken over after <see cref="AbandonedAfter"/>.
/// </remarks>
public sealed class IdempotentCalls(IClientTokenStore store, TimeProvider time, ILogger<IdempotentCalls> logger)
{
    /// <summary>How long a token and its answer are kept (decided for issue 12: 24 hours, as long as any cloud keeps one).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>
    /// How long an unanswered claim is presumed to be running. Far beyond the longest call (a kick in a partition waits
    /// at most the cluster's 30 s node timeout, DESIGN.md §5), so only a claim whose node died is taken over.
    /// </summary>
    public static readonly TimeSpan AbandonedAfter = TimeSpan.FromMinutes(2);

    private readonly ConcurrentDictionary<ClientTokenKey, Task> _running = new();

    /// <summary>
    /// The answer to a call with a token: the first call's, or <paramref name="call"/>'s when this is the first. Once
    /// claimed, the call runs to its end even if the caller goes away, so that its answer is kept for the retry.
    /// </summary>
    /// <exception cref="ApiException">IdempotentParameterMismatch, LastTokenProcessing, or whatever the call throws.</exception>
    public async Task<ClientTokenAnswer> RunAsync(ClientTokenKey key, string fingerprint, Func<CancellationToken, Task<ClientTokenAnswer>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        // Each turn either waits for a call of this node that then ends, or runs one: it ends as soon as no other call
        // with this key starts in between.
        while (true)
        {
            if (_running.TryGetValue(key, out var running))
            {
                await running.WaitAsync(cancellationToken);
                continue;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_running.TryAdd(key, done.Task))
            {
                continue;
            }

            try
            {
                return await ClaimAndRunAsync(key, fingerprint, call, cancellationToken);
            }
            finally
            {
                _running.TryRemove(KeyValuePair.Create(key, done.Task));
                done.SetResult();
            }
        }
    }

    /// <summary>
    /// What identifies a call's parameters: SHA-256 over the action and each parameter's wire name and value as bound
    /// (so <c>true</c> and <c>True</c> are one value), in the order given. The token itself, the signature, nonce,
    /// timestamp, Format and Version are not parameters of the action and are left out by the caller: a retry changes
    /// them by necessity (a nonce is accepted once).
    /// </summary>
    public static string Fingerprint(string action, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var text = new StringBuilder(action);
        foreach (var (name, value) in parameters)
        {
            // NUL never occurs in a bound value (PortableText), so these separators make the encoding unambiguous.
            text.Append('\0').Append(name).Append('\0').Append(value);
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Whether <paramref name="token"/> is a ClientToken the cloud accepts: 1–64 printable ASCII characters.</summary>
    public static bool IsToken(string token) => token.Length is >= 1 and <= 64 && token.All(c => c is >= ' ' and <= '~');

    private async Task<ClientTokenAnswer> ClaimAndRunAsync(ClientTokenKey key, string fingerprint, Func<CancellationToken, Task<ClientTokenAnswer>> call, CancellationToken cancellationToken)
    {
        // Exact to the millisecond, as stored: the claim's time is what identifies it when it is answered or released.
        var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());
        var earlier = await store.ClaimClientTokenAsync(key, fingerprint, now, now - Retention, now - AbandonedAfter, cancellationToken);
        if (earlier is not null)
        {
            if (earlier.Fingerprint != fingerprint)
            {
                throw new ApiException(ErrorCatalogue.IdempotentParameterMismatch);
            }

            return earlier.Answer ?? throw new ApiException(ErrorCatalogue.LastTokenProcessing);
        }

        ClientTokenAnswer answer;
        try
        {
            answer = await call(CancellationToken.None);
        }
        catch
        {
            await ReleaseAsync(key, now);
            throw;
        }

        await store.AnswerClientTokenAsync(key, now, answer, CancellationToken.None);
        return answer;
    }

    /// <summary>
    /// Gives the claim up after its call failed. If even that fails (the database went away), the claim stays until
    /// <see cref="AbandonedAfter"/>, and the caller gets the call's own error, not this one.
    /// </summary>
    private async Task ReleaseAsync(ClientTokenKey key, DateTimeOffset claimedAt)
    {
        try
        {
            await store.ReleaseClientTokenAsync(key, claimedAt, CancellationToken.None);
        }
        catch (Exception e) when (StoreUnavailable.IsCause(e))
        {
            logger.LogWarning("A ClientToken claim of {Action} could not be released, the database is unreachable: {Message}", key.Action, e.Message);
        }
    }
}
