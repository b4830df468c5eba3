using System.Net;
using Microsoft.Extensions.Logging;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Security;
using OpenSag.Sessions;
using OpenSag.Storage;

namespace OpenSag.Services;

/// <summary>
/// Client accounts of SAG App instances. Disabling, deleting and moving a user revoke its session credentials
/// (generation bump, committed first) and then end its live sessions, the same order as a kick (DESIGN.md §3).
/// </summary>
/// <remarks>
/// Every write sends the store only what it changes (<see cref="ClientUserChange"/>), never a copy of the record it
/// read: a copy written back would undo whatever another write committed in between, e.g. a disable. Checks that
/// depend on the stored rows (static ClientIp against the CIDR block, name, limit) are the store's, in the same
/// transaction as the write.
/// </remarks>
public sealed class ClientUserService(IOpenSagStore store, InstanceService instances, SessionRevoker revoker, IClientIpLeases addresses, TimeProvider time, ILogger<ClientUserService> logger)
{
    public async Task<ClientUser> CreateAsync(string regionId, string smartAgId, string userName, string password, string userMail, int bandwidth, string? clientIp, CancellationToken cancellationToken)
    {
        var instance = await instances.GetAsync(regionId, smartAgId, cancellationToken);
        var user = new ClientUser
        {
            SmartAGId = instance.SmartAGId,
            UserName = userName,
            UserMail = userMail,
            Bandwidth = bandwidth,
            ClientIp = CheckClientIp(instance, clientIp),
            PasswordHash = PasswordHash.Create(password),
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds()),
        };
        await RefuseIfHeldAsync(instance.SmartAGId, user.ClientIp, cancellationToken);
        ThrowOnFailure(await store.TryAddUserAsync(user, instance.UserCount, cancellationToken));
        return user;
    }

    public async Task<Page<ClientUser>> ListAsync(string regionId, string smartAgId, string? userName, string? userMail, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        await instances.RequireAsync(regionId, smartAgId, cancellationToken);
        var filter = new UserFilter(smartAgId) { UserName = userName, UserMail = userMail };
        return await store.ListUsersAsync(filter, pageNumber, pageSize, cancellationToken);
    }

    /// <summary>
    /// The users of an instance whose name contains <paramref name="nameContains"/> (letter case counting; every user
    /// when null), oldest first: the console's search, which the cloud's exact UserName filter cannot serve.
    /// </summary>
    /// <exception cref="ApiException">The instance does not exist in the region.</exception>
    public async Task<Page<ClientUser>> SearchAsync(string regionId, string smartAgId, string? nameContains, int pageNumber, int pageSize, CancellationToken cancellationToken)
    {
        await instances.RequireAsync(regionId, smartAgId, cancellationToken);
        return await store.ListUsersAsync(new UserFilter(smartAgId) { UserNameContains = nameContains }, pageNumber, pageSize, cancellationToken);
    }

    /// <summary>Changes the given settings; a null argument leaves that setting as it is. Returns the stored user after the write.</summary>
    public async Task<ClientUser> ModifyAsync(string regionId, string smartAgId, string userName, int? bandwidth, string? userMail, CancellationToken cancellationToken)
    {
        await instances.RequireAsync(regionId, smartAgId, cancellationToken);
        return await UpdateAsync(new ClientUserChange(smartAgId, userName) { Bandwidth = bandwidth, UserMail = userMail }, cancellationToken);
    }

    /// <summary>
    /// Sets a new password. Sessions stay up: they were opened with the old password legitimately, and the cloud
    /// documents no disconnect on reset. An administrator who wants them gone kicks the user.
    /// </summary>
    public async Task ResetPasswordAsync(string regionId, string smartAgId, string userName, string password, CancellationToken cancellationToken)
    {
        await instances.RequireAsync(regionId, smartAgId, cancellationToken);
        await UpdateAsync(new ClientUserChange(smartAgId, userName) { PasswordHash = PasswordHash.Create(password) }, cancellationToken);
    }

    public async Task EnableAsync(string regionId, string smartAgId, string userName, CancellationToken cancellationToken)
    {
        await instances.RequireAsync(regionId, smartAgId, cancellationToken);
        await UpdateAsync(new ClientUserChange(smartAgId, userName) { State = UserState.Enabled }, cancellationToken);
    }

    public async Task DisableAsync(Caller caller, string regionId, string smartAgId, string userName, CancellationToken cancellationToken)
    {
        await instances.RequireAsync(regionId, smartAgId, cancellationToken);
        var disabled = await UpdateAsync(new ClientUserChange(smartAgId, userName) { State = UserState.Disabled, BumpGeneration = true }, cancellationToken);
        var closed = await revoker.RevokeAsync(new SessionRevocation(smartAgId, userName, disabled.SessionGeneration, SessionCloseReason.UserDisabled), cancellationToken);
        logger.LogInformation("Disabled user {UserName} on {SmartAGId} for {AccessKeyId}; sessions closed: {Closed}", userName, smartAgId, caller.AccessKeyId, closed);
    }

    public async Task DeleteAsync(Caller caller, string regionId, string smartAgId, string userName, CancellationToken cancellationToken)
    {
        await GetAsync(regionId, smartAgId, userName, cancellationToken);
        if (!await store.DeleteUserAsync(smartAgId, userName, cancellationToken))
        {
            throw new ApiException(ErrorCatalogue.UserNotFound);
        }

        var closed = await revoker.RevokeAsync(new SessionRevocation(smartAgId, userName, SessionRevocation.AllGenerations, SessionCloseReason.UserDeleted), cancellationToken);
        logger.LogInformation("Deleted user {UserName} on {SmartAGId} for {AccessKeyId}; sessions closed: {Closed}", userName, smartAgId, caller.AccessKeyId, closed);
    }

    /// <summary>
    /// Moves the account, with its password and settings as stored at the move, to another instance; its sessions on
    /// the origin end. A static address means something only inside a CIDR block, so the store keeps it only if the
    /// target's block, as stored at the move, can assign it.
    /// </summary>
    public async Task RoamAsync(Caller caller, string originRegionId, string originSmartAgId, string targetRegionId, string targetSmartAgId, string userName, CancellationToken cancellationToken)
    {
        await GetAsync(originRegionId, originSmartAgId, userName, cancellationToken);
        var target = await instances.GetAsync(targetRegionId, targetSmartAgId, cancellationToken);
        if (target.SmartAGId == originSmartAgId)
        {
            throw new ApiException(ErrorCatalogue.UserExists);
        }

        // Safe to check on the copy read above: no action clears a CIDR block once set.
        if (target.CidrBlock.Length == 0)
        {
            throw new ApiException(ErrorCatalogue.CidrEmpty);
        }

        // The store keeps the static address only if the target's block can assign it (checked again there).
        var moving = await store.FindUserAsync(originSmartAgId, userName, cancellationToken);
        if (moving is { IsStaticIp: true } && ClientAddressSpace.CanAssign(target.CidrBlock, moving.ClientIp))
        {
            await RefuseIfHeldAsync(target.SmartAGId, moving.ClientIp, cancellationToken);
        }

        ThrowOnFailure(await store.TryMoveUserAsync(originSmartAgId, userName, target.SmartAGId, target.UserCount, cancellationToken));
        var closed = await revoker.RevokeAsync(new SessionRevocation(originSmartAgId, userName, SessionRevocation.AllGenerations, SessionCloseReason.UserMoved), cancellationToken);
        logger.LogInformation("Moved user {UserName} from {Origin} to {Target} for {AccessKeyId}; sessions closed: {Closed}", userName, originSmartAgId, targetSmartAgId, caller.AccessKeyId, closed);
    }

    /// <summary>
    /// The largest acceleration peak of one account, Kbit/s. A client's acceleration peak may not exceed the instance's
    /// (spec/smartag-acl-and-more.md §2.2); OpenSAG sells no acceleration packages, so the instance's peak is the most
    /// any account's Bandwidth may be (1–20000 Kbit/s, spec/smartag-api.md §1.1).
    /// </summary>
    public const long MaxAccelerateBandwidth = 20_000;

    /// <summary>
    /// UpdateSmartAGUserAccelerateConfig (spec/smartag-api.md §1.19): records the account's acceleration peak, read
    /// back as AccelerateBandwidth. With <paramref name="dryRun"/> every check runs and nothing is written: the
    /// answer is DryRunOperation.
    /// </summary>
    /// <exception cref="ApiException">
    /// ResourceNotFound.SmartAccessGateway (404), ResourceNotFound.User, OperationDenied.BandwidthExceeded, DryRunOperation.
    /// </exception>
    public async Task SetAccelerateBandwidthAsync(string regionId, string smartAgId, string userName, long bandwidth, bool dryRun, CancellationToken cancellationToken)
    {
        await instances.RequireAsync(regionId, smartAgId, cancellationToken, ErrorCatalogue.SmartAccessGatewayNotFound(smartAgId));
        if (await store.FindUserAsync(smartAgId, userName, cancellationToken) is null)
        {
            throw new ApiException(ErrorCatalogue.UserNotFound);
        }

        if (bandwidth > MaxAccelerateBandwidth)
        {
            throw new ApiException(ErrorCatalogue.BandwidthExceeded);
        }

        if (dryRun)
        {
            throw new ApiException(ErrorCatalogue.DryRunOperation);
        }

        await UpdateAsync(new ClientUserChange(smartAgId, userName) { AccelerateBandwidth = bandwidth }, cancellationToken);
    }

    public async Task<ClientUser> GetAsync(string regionId, string smartAgId, string userName, CancellationToken cancellationToken)
    {
        await instances.RequireAsync(regionId, smartAgId, cancellationToken);
        return await store.FindUserAsync(smartAgId, userName, cancellationToken) ?? throw new ApiException(ErrorCatalogue.UserNotFound);
    }

    private async Task<ClientUser> UpdateAsync(ClientUserChange change, CancellationToken cancellationToken) =>
        await store.UpdateUserAsync(change, cancellationToken) ?? throw new ApiException(ErrorCatalogue.UserNotFound);

    /// <summary>
    /// The static address in its canonical form, or "". Checked here against the instance as read, for the answer
    /// to a plain mistake; the store checks it again against the CIDR block as stored when it inserts (a
    /// ModifySmartAccessGateway may commit in between).
    /// </summary>
    private static string CheckClientIp(Instance instance, string? clientIp)
    {
        if (!ClientAddressSpace.TryParse(instance.CidrBlock, out var space))
        {
            throw new ApiException(ErrorCatalogue.CidrEmpty);
        }

        if (string.IsNullOrEmpty(clientIp))
        {
            return "";
        }

        if (!IPAddress.TryParse(clientIp, out var address) || clientIp.Count(c => c == '.') != 3 || !space.IsAssignable(address))
        {
            throw new ApiException(ErrorCatalogue.ClientIpInvalid);
        }

        return address.ToString();
    }

    /// <summary>
    /// Refuses a static ClientIp that a live session of the instance holds (a dynamic lease, on any node): stored, it
    /// would give two users' sessions one address, and the user's own login would be refused until that session ends
    /// (IClientIpLeases). A lease taken between this check and the store's commit gives itself up (it re-reads the
    /// static addresses after taking one), or, if it was checked before the commit, keeps the address and the static
    /// user's login is refused while it lasts: either way no two users hold one address.
    /// </summary>
    private async Task RefuseIfHeldAsync(string smartAgId, string clientIp, CancellationToken cancellationToken)
    {
        if (clientIp.Length > 0 && await addresses.IsHeldAsync(smartAgId, IPAddress.Parse(clientIp), cancellationToken))
        {
            throw new ApiException(ErrorCatalogue.ClientIpInvalid.WithMessage("The specified ClientIp is held by an online client of the instance; kick it or choose another address."));
        }
    }

    private static void ThrowOnFailure(UserWriteResult result)
    {
        switch (result)
        {
            case UserWriteResult.Done:
                return;
            case UserWriteResult.NameTaken:
                throw new ApiException(ErrorCatalogue.UserExists);
            case UserWriteResult.OverLimit:
                throw new ApiException(ErrorCatalogue.UserOverLimit);
            case UserWriteResult.ClientIpTaken:
                throw new ApiException(ErrorCatalogue.ClientIpInvalid.WithMessage("The specified ClientIp is already used by another user."));
            case UserWriteResult.ClientIpInvalid:
                throw new ApiException(ErrorCatalogue.ClientIpInvalid);
            case UserWriteResult.NotFound:
                throw new ApiException(ErrorCatalogue.UserNotFound);
            default:
                throw new InvalidOperationException("Unknown store result " + result);
        }
    }
}
