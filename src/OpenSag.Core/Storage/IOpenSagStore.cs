using OpenSag.Domain;

namespace OpenSag.Storage;

/// <summary>
/// Everything the control plane persists, one implementation per engine. Every write returns only after it is
/// committed durably: an answered API call must survive a <c>kill -9</c> of the server (DESIGN.md §5).
/// </summary>
public interface IOpenSagStore : IAccessKeyStore, IInstanceStore, IClientUserStore, IFlowStore, IAclStore, IEnterpriseCodeStore, IClientTokenStore, IAuditStore, IAsyncDisposable
{
    /// <summary>
    /// Creates or upgrades the schema to the newest version, seals the access-key secrets an older version stored in
    /// clear, and checks that every stored secret opens with the store's key. Safe to call on every start.
    /// </summary>
    /// <exception cref="Security.UnreadableSecretException">
    /// A stored secret was sealed with another key (or altered): the server must be given the key that sealed it.
    /// </exception>
    Task MigrateAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Access keys. The engines keep secrets sealed (<see cref="Security.AccessKeySecretCipher"/>) and hand out opened
/// ones: callers read and write plain <see cref="AccessKey"/> records.
/// </summary>
public interface IAccessKeyStore
{
    Task<AccessKey?> FindAccessKeyAsync(string accessKeyId, CancellationToken cancellationToken);

    /// <summary>Adds the key unless one with the same id exists; returns whether it was added.</summary>
    Task<bool> TryAddAccessKeyAsync(AccessKey key, CancellationToken cancellationToken);
}

public interface IInstanceStore
{
    Task AddInstanceAsync(Instance instance, CancellationToken cancellationToken);

    /// <summary>The instance with that id in that region; an instance is not found from any other region.</summary>
    Task<Instance?> FindInstanceAsync(string regionId, string smartAgId, CancellationToken cancellationToken);

    /// <summary>
    /// The instance with that id in whatever region: the gateway's login names only the instance, since a client
    /// app connects to a gateway, not to a region.
    /// </summary>
    Task<Instance?> FindInstanceByIdAsync(string smartAgId, CancellationToken cancellationToken);

    /// <summary>Instances of a region matching the filter, ordered by creation time (oldest first), then id.</summary>
    Task<Page<Instance>> ListInstancesAsync(InstanceFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the settings the change sets, and only those, to the instance with that id and region, in one
    /// transaction with the checks on them (see <see cref="InstanceChange.CidrBlock"/>). NotFound when there is no
    /// such instance (a wrong region counts as none, as for <see cref="FindInstanceAsync"/>).
    /// </summary>
    Task<InstanceWriteResult> UpdateInstanceAsync(InstanceChange change, CancellationToken cancellationToken);

    /// <summary>
    /// Every instance's CidrBlock, of every region, for the instances that have one (as stored), ordered by id: what
    /// the layer-3 gateway routes to its TUN (<c>serve --tun</c>).
    /// </summary>
    Task<IReadOnlyList<InstanceCidrBlock>> ListCidrBlocksAsync(CancellationToken cancellationToken);
}

/// <summary>An instance's id and its CidrBlock as stored.</summary>
public sealed record InstanceCidrBlock(string SmartAGId, string CidrBlock);

/// <summary>What DescribeSmartAccessGateways filters on; null means "any".</summary>
public sealed record InstanceFilter(string RegionId)
{
    public IReadOnlyCollection<string>? SmartAGIds { get; init; }
    public string? Name { get; init; }
    public string? Status { get; init; }
    public string? InstanceType { get; init; }
    /// <summary>Instances associated with one of these ACLs (DescribeSmartAccessGateways <c>AclIds</c>, spec §1.13).</summary>
    public IReadOnlyCollection<string>? AclIds { get; init; }
    /// <summary>
    /// Instances associated with none of these ACLs, those with no ACL included (DescribeSmartAccessGateways
    /// <c>UnboundAclIds</c>, spec §1.13).
    /// </summary>
    public IReadOnlyCollection<string>? UnboundAclIds { get; init; }
}

public interface IClientUserStore
{
    /// <summary>
    /// Adds the user if its name is free on its instance, the instance holds fewer than <paramref name="userLimit"/>
    /// users and fewer than its UserCount as stored now (a resize may have committed since the caller read it) and a static ClientIp is free and assignable in the instance's CIDR block as stored now; the checks and
    /// the insert are one transaction. NotFound when the instance does not exist.
    /// </summary>
    Task<UserWriteResult> TryAddUserAsync(ClientUser user, int userLimit, CancellationToken cancellationToken);

    Task<ClientUser?> FindUserAsync(string smartAgId, string userName, CancellationToken cancellationToken);

    /// <summary>Users of one instance, filtered by exact user name and/or e-mail, ordered by creation time, then name.</summary>
    Task<Page<ClientUser>> ListUsersAsync(UserFilter filter, int pageNumber, int pageSize, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the fields the change sets, and only those, to the user with that instance and name (and increments the
    /// session generation if it asks to), in one statement on the stored row. Returns the stored user after the
    /// write, or null when there is no such user.
    /// </summary>
    Task<ClientUser?> UpdateUserAsync(ClientUserChange change, CancellationToken cancellationToken);

    /// <summary>Increments the user's session generation; returns the new value, or null when there is no such user.</summary>
    Task<long?> BumpSessionGenerationAsync(string smartAgId, string userName, CancellationToken cancellationToken);

    Task<bool> DeleteUserAsync(string smartAgId, string userName, CancellationToken cancellationToken);

    /// <summary>
    /// Moves a user to another instance in one transaction: the stored row, as it is at that moment (password, state,
    /// settings), is removed from <paramref name="originSmartAgId"/> and added to <paramref name="targetSmartAgId"/>
    /// under the target's limit. A static ClientIp is kept only if the target's CIDR block can assign it (and then it
    /// must be free there: ClientIpTaken), else cleared. The session generation is carried over and bumped, so
    /// sessions opened on the origin cannot resume. NotFound when the user or the target instance does not exist; a
    /// move onto the user's own instance is NameTaken.
    /// </summary>
    Task<UserWriteResult> TryMoveUserAsync(string originSmartAgId, string userName, string targetSmartAgId, int targetUserLimit, CancellationToken cancellationToken);
}

public sealed record UserFilter(string SmartAGId)
{
    public string? UserName { get; init; }
    public string? UserMail { get; init; }

    /// <summary>
    /// Users whose name contains this text anywhere, letter case counting (the console's search; no Smartag action
    /// takes it). Scans the instance's users only, which the instance's user limit bounds.
    /// </summary>
    public string? UserNameContains { get; init; }
}

public enum UserWriteResult
{
    Done,
    NameTaken,
    OverLimit,
    /// <summary>The static ClientIp is already held by another user of the instance.</summary>
    ClientIpTaken,
    /// <summary>The static ClientIp is not an address the instance's CIDR block (as stored when writing) can assign.</summary>
    ClientIpInvalid,
    NotFound,
}

public interface IFlowStore
{
    /// <summary>Adds byte counts to the per-user, per-month totals (creating rows as needed) in one transaction.</summary>
    Task AddFlowAsync(IReadOnlyCollection<FlowTotal> deltas, CancellationToken cancellationToken);

    /// <summary>Totals of the named users for one month; users with no traffic are absent from the result.</summary>
    Task<IReadOnlyList<FlowTotal>> GetFlowAsync(string smartAgId, string month, IReadOnlyCollection<string> userNames, CancellationToken cancellationToken);
}
