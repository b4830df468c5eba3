using Microsoft.Extensions.Logging;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Services;

/// <summary>Online connections and traffic: the kick, the online lists and the statistics actions.</summary>
public sealed class SessionService(IOpenSagStore store, InstanceService instances, IOnlineSessionReader sessions, SessionRevoker revoker, ILogger<SessionService> logger)
{
    /// <summary>
    /// Ends every online connection of the user on the instance, in the order of DESIGN.md §3: revoke (generation
    /// bump, committed), then tell each client and close it, here and (announced) on every other node. Not a ban: a
    /// fresh login works. Zero sessions, or a user name the instance does not know, is success: the postcondition
    /// "no session of that user" holds. Returns the number closed on this node.
    /// </summary>
    public async Task<int> KickOutAsync(Caller caller, string regionId, string smartAgId, string userName, CancellationToken cancellationToken)
    {
        await instances.RequireAsync(regionId, smartAgId, cancellationToken, ErrorCatalogue.KickInstanceNotFound);
        var generation = await store.BumpSessionGenerationAsync(smartAgId, userName, cancellationToken) ?? SessionRevocation.AllGenerations;
        var closed = await revoker.RevokeAsync(new SessionRevocation(smartAgId, userName, generation, SessionCloseReason.KickedOut), cancellationToken);
        logger.LogInformation("KickOutClients by {AccessKeyId} from {Source}: user {UserName} on {SmartAGId}, sessions closed: {Closed}",
            caller.AccessKeyId, caller.SourceAddress, userName, smartAgId, closed);
        return closed;
    }

    /// <summary>
    /// Every online session of the instance, ordered by user name, online time, then session id (issue 13: the
    /// operators' list, like <c>occtl show users</c>).
    /// </summary>
    /// <exception cref="ApiException">The instance does not exist in the region.</exception>
    public async Task<IReadOnlyList<OnlineSessionListing>> ListInstanceSessionsAsync(string regionId, string smartAgId, CancellationToken cancellationToken)
    {
        await instances.RequireAsync(regionId, smartAgId, cancellationToken);
        return await sessions.ListByInstanceAsync(smartAgId, cancellationToken);
    }

    /// <summary>
    /// Ends one online session of the instance (wherever in the cluster it lives) with
    /// a close reason of its own (SessionCloseReason.Disconnected, the client exits 4 as for a kick), answering once it is closed; false when no such session is
    /// online on the instance. Audited by the caller's channel like a kick.
    /// </summary>
    /// <remarks>Not a ban, and nothing is revoked: the user's other sessions stay, and a fresh login works.</remarks>
    /// <exception cref="ApiException">The instance does not exist in the region.</exception>
    public async Task<bool> DisconnectSessionAsync(Caller caller, string regionId, string smartAgId, string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await instances.RequireAsync(regionId, smartAgId, cancellationToken);
        var closed = await revoker.DisconnectAsync(smartAgId, sessionId, cancellationToken);
        logger.LogInformation("DisconnectSession by {AccessKeyId} from {Source} ({Channel}): session {SessionId} on {SmartAGId}, closed: {Closed}",
            caller.AccessKeyId, caller.SourceAddress, caller.Channel, sessionId, smartAgId, closed);
        return closed;
    }

    public async Task<IReadOnlyList<OnlineSessionInfo>> ListOnlineAsync(string regionId, string smartAgId, string userName, CancellationToken cancellationToken)
    {
        await instances.RequireAsync(regionId, smartAgId, cancellationToken);
        return await sessions.ListByUserAsync(smartAgId, userName, cancellationToken);
    }

    public async Task<IReadOnlyList<(string UserName, int OnlineCount)>> CountByUserAsync(string regionId, string smartAgId, IReadOnlyList<string> userNames, CancellationToken cancellationToken)
    {
        await instances.RequireAsync(regionId, smartAgId, cancellationToken);
        var counts = new List<(string, int)>();
        foreach (var name in userNames.Distinct(StringComparer.Ordinal))
        {
            counts.Add((name, await sessions.CountByUserAsync(smartAgId, name, cancellationToken)));
        }

        return counts;
    }

    /// <summary>Counts per instance; without ids, every instance of the region. Unknown ids are skipped, not errors.</summary>
    public async Task<IReadOnlyList<(string SmartAGId, int OnlineCount)>> CountByInstanceAsync(string regionId, IReadOnlyList<string> smartAgIds, CancellationToken cancellationToken)
    {
        var filter = new InstanceFilter(regionId) { SmartAGIds = smartAgIds.Count > 0 ? smartAgIds : null };
        var found = new List<Instance>();
        for (var page = 1; ; page++)
        {
            var batch = await store.ListInstancesAsync(filter, page, 100, cancellationToken);
            found.AddRange(batch.Items);
            if (found.Count >= batch.TotalCount || batch.Items.Count == 0)
            {
                break;
            }
        }

        var counts = new List<(string, int)>(found.Count);
        foreach (var instance in found)
        {
            counts.Add((instance.SmartAGId, await sessions.CountByInstanceAsync(instance.SmartAGId, cancellationToken)));
        }

        return counts;
    }

    /// <summary>Monthly totals for the named users; a user with no traffic reports zeros.</summary>
    public async Task<IReadOnlyList<FlowTotal>> FlowAsync(string regionId, string smartAgId, IReadOnlyList<string> userNames, string month, CancellationToken cancellationToken)
    {
        await instances.RequireAsync(regionId, smartAgId, cancellationToken);
        var names = userNames.Distinct(StringComparer.Ordinal).ToArray();
        var totals = (await store.GetFlowAsync(smartAgId, month, names, cancellationToken)).ToDictionary(f => f.UserName, StringComparer.Ordinal);
        return [.. names.Select(n => totals.GetValueOrDefault(n) ?? new FlowTotal(smartAgId, n, month, 0, 0))];
    }
}
