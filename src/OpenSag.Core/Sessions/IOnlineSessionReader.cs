namespace OpenSag.Sessions;

/// <summary>
/// The online list the API answers from. On one node it is this process's <see cref="SessionRegistry"/>; in a
/// cluster it is the shared session table, so every node gives the same answer whichever node holds the sessions.
/// </summary>
public interface IOnlineSessionReader
{
    /// <summary>The user's sessions ordered by online time, then session id.</summary>
    Task<IReadOnlyList<OnlineSessionInfo>> ListByUserAsync(string smartAgId, string userName, CancellationToken cancellationToken);

    Task<int> CountByUserAsync(string smartAgId, string userName, CancellationToken cancellationToken);

    Task<int> CountByInstanceAsync(string smartAgId, CancellationToken cancellationToken);

    /// <summary>Online sessions of every instance (of every live node, in a cluster).</summary>
    Task<int> CountAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every online session of the instance with the node holding it and its bytes, ordered by user name, online time,
    /// then session id. In a cluster the bytes of a session held by another node are as that node last wrote them
    /// (its heartbeat, so at most one heartbeat interval old).
    /// </summary>
    Task<IReadOnlyList<OnlineSessionListing>> ListByInstanceAsync(string smartAgId, CancellationToken cancellationToken);
}
