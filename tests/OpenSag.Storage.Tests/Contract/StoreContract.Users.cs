using OpenSag.Domain;

namespace OpenSag.Storage.Tests.Contract;

public abstract partial class StoreContract
{
    [StoreFact]
    public async Task TryAddUserAsync_FreeName_AddsUserWithAllFields()
    {
        var instance = await AddInstanceAsync();
        var user = NewUser(instance.SmartAGId, "alice", clientIp: "10.10.0.5") with
        {
            State = UserState.Disabled,
            AccelerateBandwidth = 300,
            SessionGeneration = 4,
        };

        Assert.Equal(UserWriteResult.Done, await Store.TryAddUserAsync(user, 10, Ct));

        Assert.Equal(user, await Store.FindUserAsync(instance.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task TryAddUserAsync_NameTaken_ReturnsNameTakenAndKeepsTheFirst()
    {
        var instance = await AddInstanceAsync();
        var first = await AddUserAsync(instance.SmartAGId, "alice");

        var result = await Store.TryAddUserAsync(first with { UserMail = "other@example.com" }, 10, Ct);

        Assert.Equal(UserWriteResult.NameTaken, result);
        Assert.Equal(first, await Store.FindUserAsync(instance.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task TryAddUserAsync_SameNameOnAnotherInstance_Adds()
    {
        var one = await AddInstanceAsync();
        var other = await AddInstanceAsync();
        await AddUserAsync(one.SmartAGId, "alice");

        Assert.Equal(UserWriteResult.Done, await Store.TryAddUserAsync(NewUser(other.SmartAGId, "alice"), 10, Ct));
    }

    [StoreFact]
    public async Task TryAddUserAsync_InstanceAtLimit_ReturnsOverLimit()
    {
        var instance = await AddInstanceAsync();
        Assert.Equal(UserWriteResult.Done, await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "alice"), 2, Ct));
        Assert.Equal(UserWriteResult.Done, await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "bob"), 2, Ct));

        Assert.Equal(UserWriteResult.OverLimit, await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "carol"), 2, Ct));

        Assert.Null(await Store.FindUserAsync(instance.SmartAGId, "carol", Ct));
    }

    [StoreFact]
    public async Task TryAddUserAsync_LimitCountsOnlyThatInstance_Adds()
    {
        var full = await AddInstanceAsync();
        var empty = await AddInstanceAsync();
        await AddUserAsync(full.SmartAGId, "alice");

        Assert.Equal(UserWriteResult.Done, await Store.TryAddUserAsync(NewUser(empty.SmartAGId, "bob"), 1, Ct));
    }

    [StoreFact]
    public async Task TryAddUserAsync_ClientIpHeldOnTheInstance_ReturnsClientIpTaken()
    {
        var instance = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice", clientIp: "10.10.0.5");

        var result = await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "bob", clientIp: "10.10.0.5"), 10, Ct);

        Assert.Equal(UserWriteResult.ClientIpTaken, result);
        Assert.Null(await Store.FindUserAsync(instance.SmartAGId, "bob", Ct));
    }

    [StoreFact]
    public async Task TryAddUserAsync_SameClientIpOnAnotherInstance_Adds()
    {
        var one = await AddInstanceAsync();
        var other = await AddInstanceAsync();
        await AddUserAsync(one.SmartAGId, "alice", clientIp: "10.10.0.5");

        Assert.Equal(UserWriteResult.Done, await Store.TryAddUserAsync(NewUser(other.SmartAGId, "bob", clientIp: "10.10.0.5"), 10, Ct));
    }

    [StoreFact]
    public async Task TryAddUserAsync_SeveralUsersWithoutClientIp_AddsAll()
    {
        var instance = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice");

        Assert.Equal(UserWriteResult.Done, await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "bob"), 10, Ct));
    }

    [StoreFact]
    public async Task TryAddUserAsync_UnknownInstance_ReturnsNotFound()
    {
        Assert.Equal(UserWriteResult.NotFound, await Store.TryAddUserAsync(NewUser(ResourceIds.NewSmartAgId(), "alice"), 10, Ct));
    }

    [StoreFact]
    public async Task TryAddUserAsync_ManyConcurrentAdds_NeverExceedsTheLimit()
    {
        const int limit = 10, attempts = 40;
        var instance = await AddInstanceAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, attempts).Select(i =>
            Task.Run(() => Store.TryAddUserAsync(NewUser(instance.SmartAGId, $"user{i}"), limit, Ct)))).WaitAsync(Timeout);

        Assert.Equal(limit, results.Count(r => r == UserWriteResult.Done));
        Assert.Equal(attempts - limit, results.Count(r => r == UserWriteResult.OverLimit));
        Assert.Equal(limit, (await Store.ListUsersAsync(new UserFilter(instance.SmartAGId), 1, 100, Ct)).TotalCount);
    }

    [StoreFact]
    public async Task TryAddUserAsync_ConcurrentAddsOfOneName_OnlyOneWins()
    {
        var instance = await AddInstanceAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => Store.TryAddUserAsync(NewUser(instance.SmartAGId, "alice") with { UserMail = $"{i}@example.com" }, 100, Ct)))).WaitAsync(Timeout);

        Assert.Equal(1, results.Count(r => r == UserWriteResult.Done));
        Assert.Equal(19, results.Count(r => r == UserWriteResult.NameTaken));
    }

    [StoreFact]
    public async Task TryAddUserAsync_ConcurrentAddsOfOneClientIp_OnlyOneWins()
    {
        var instance = await AddInstanceAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.Run(() => Store.TryAddUserAsync(NewUser(instance.SmartAGId, $"user{i}", clientIp: "10.10.0.9"), 100, Ct)))).WaitAsync(Timeout);

        Assert.Equal(1, results.Count(r => r == UserWriteResult.Done));
        Assert.Equal(19, results.Count(r => r == UserWriteResult.ClientIpTaken));
    }

    [StoreFact]
    public async Task FindUserAsync_UnknownNameOrOtherInstance_ReturnsNull()
    {
        var instance = await AddInstanceAsync();
        var other = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice");

        Assert.Null(await Store.FindUserAsync(instance.SmartAGId, "bob", Ct));
        Assert.Null(await Store.FindUserAsync(other.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task ListUsersAsync_NoFilter_ReturnsTheInstanceUsersOldestFirstThenByName()
    {
        var instance = await AddInstanceAsync();
        var other = await AddInstanceAsync();
        // Name order differs from creation order, so that sorting by either alone is caught.
        var zoe = await AddUserAsync(instance.SmartAGId, "zoe", T0);
        await AddUserAsync(instance.SmartAGId, "carol", T0.AddMinutes(2));
        await AddUserAsync(instance.SmartAGId, "dave", T0.AddMinutes(1));
        await AddUserAsync(instance.SmartAGId, "bob", T0.AddMinutes(1));
        await AddUserAsync(other.SmartAGId, "eve", T0.AddMinutes(-1));

        var page = await Store.ListUsersAsync(new UserFilter(instance.SmartAGId), 1, 10, Ct);

        Assert.Equal(["zoe", "bob", "dave", "carol"], page.Items.Select(u => u.UserName));
        Assert.Equal(4, page.TotalCount);
        Assert.Equal(1, page.PageNumber);
        Assert.Equal(10, page.PageSize);
        Assert.Equal(zoe, page.Items[0]);
    }

    [StoreFact]
    public async Task ListUsersAsync_UserName_ReturnsTheExactMatch()
    {
        var instance = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice");
        await AddUserAsync(instance.SmartAGId, "alice2");
        await AddUserAsync(instance.SmartAGId, "Alice");

        var page = await Store.ListUsersAsync(new UserFilter(instance.SmartAGId) { UserName = "alice" }, 1, 10, Ct);

        Assert.Equal(["alice"], page.Items.Select(u => u.UserName));
        Assert.Equal(1, page.TotalCount);
    }

    [StoreFact]
    public async Task ListUsersAsync_UserMail_ReturnsEveryUserWithThatMail()
    {
        var instance = await AddInstanceAsync();
        await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "alice", T0) with { UserMail = "team@example.com" }, 10, Ct);
        await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "bob", T0.AddMinutes(1)) with { UserMail = "team@example.com" }, 10, Ct);
        await AddUserAsync(instance.SmartAGId, "carol");

        var page = await Store.ListUsersAsync(new UserFilter(instance.SmartAGId) { UserMail = "team@example.com" }, 1, 10, Ct);

        Assert.Equal(["alice", "bob"], page.Items.Select(u => u.UserName));
        Assert.Equal(2, page.TotalCount);
    }

    [StoreFact]
    public async Task ListUsersAsync_NameAndMail_ReturnsUsersMatchingBoth()
    {
        var instance = await AddInstanceAsync();
        await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "alice") with { UserMail = "team@example.com" }, 10, Ct);
        await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "bob") with { UserMail = "team@example.com" }, 10, Ct);

        var both = new UserFilter(instance.SmartAGId) { UserName = "bob", UserMail = "team@example.com" };
        var mismatch = new UserFilter(instance.SmartAGId) { UserName = "bob", UserMail = "bob@example.com" };

        Assert.Equal(["bob"], (await Store.ListUsersAsync(both, 1, 10, Ct)).Items.Select(u => u.UserName));
        Assert.Equal(0, (await Store.ListUsersAsync(mismatch, 1, 10, Ct)).TotalCount);
    }

    [StoreFact]
    public async Task ListUsersAsync_SecondPage_ReturnsItsSliceAndTheUnpagedTotal()
    {
        var instance = await AddInstanceAsync();
        for (var i = 0; i < 5; i++)
        {
            await AddUserAsync(instance.SmartAGId, $"user{9 - i}", T0.AddMinutes(i));
        }

        var page = await Store.ListUsersAsync(new UserFilter(instance.SmartAGId), 2, 2, Ct);

        Assert.Equal(["user7", "user6"], page.Items.Select(u => u.UserName));
        Assert.Equal(5, page.TotalCount);
        Assert.Equal(2, page.PageNumber);
        Assert.Equal(2, page.PageSize);
    }

    [StoreFact]
    public async Task ListUsersAsync_PageBeyondTheEnd_ReturnsNoItemsButTheTotal()
    {
        var instance = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice");

        var page = await Store.ListUsersAsync(new UserFilter(instance.SmartAGId), 3, 10, Ct);

        Assert.Empty(page.Items);
        Assert.Equal(1, page.TotalCount);
    }

    [StoreFact]
    public async Task UpdateUserAsync_WithoutBump_WritesMutableFieldsAndKeepsTheRest()
    {
        var instance = await AddInstanceAsync();
        var user = await AddUserAsync(instance.SmartAGId, "alice");
        var changed = user with
        {
            UserMail = "new@example.com",
            Bandwidth = 512,
            ClientIp = "10.10.0.7",
            PasswordHash = "new-hash",
            State = UserState.Disabled,
            AccelerateBandwidth = 1000,
        };

        var stored = await Store.UpdateUserAsync(changed with { CreatedAt = T0.AddYears(1) }, bumpGeneration: false, Ct);

        Assert.Equal(changed, stored);
        Assert.Equal(changed, await Store.FindUserAsync(instance.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task UpdateUserAsync_WithBump_IncrementsTheGeneration()
    {
        var instance = await AddInstanceAsync();
        var user = await AddUserAsync(instance.SmartAGId, "alice");

        var stored = await Store.UpdateUserAsync(user with { State = UserState.Disabled }, bumpGeneration: true, Ct);

        Assert.Equal(user.SessionGeneration + 1, stored!.SessionGeneration);
        Assert.Equal(UserState.Disabled, stored.State);
        Assert.Equal(user.SessionGeneration + 1, (await Store.FindUserAsync(instance.SmartAGId, "alice", Ct))!.SessionGeneration);
    }

    [StoreFact]
    public async Task UpdateUserAsync_StaleGeneration_KeepsTheStoredGeneration()
    {
        var instance = await AddInstanceAsync();
        var stale = await AddUserAsync(instance.SmartAGId, "alice");
        await Store.BumpSessionGenerationAsync(instance.SmartAGId, "alice", Ct);
        await Store.BumpSessionGenerationAsync(instance.SmartAGId, "alice", Ct);

        var unbumped = await Store.UpdateUserAsync(stale with { Bandwidth = 100 }, bumpGeneration: false, Ct);
        var bumped = await Store.UpdateUserAsync(stale with { Bandwidth = 200 }, bumpGeneration: true, Ct);

        Assert.Equal(2, unbumped!.SessionGeneration);
        Assert.Equal(3, bumped!.SessionGeneration);
        Assert.Equal(3, (await Store.FindUserAsync(instance.SmartAGId, "alice", Ct))!.SessionGeneration);
    }

    [StoreFact]
    public async Task UpdateUserAsync_UnknownUser_ReturnsNull()
    {
        var instance = await AddInstanceAsync();

        Assert.Null(await Store.UpdateUserAsync(NewUser(instance.SmartAGId, "nobody"), bumpGeneration: true, Ct));
        Assert.Null(await Store.FindUserAsync(instance.SmartAGId, "nobody", Ct));
    }

    [StoreFact]
    public async Task BumpSessionGenerationAsync_ExistingUser_ReturnsEachNewValue()
    {
        var instance = await AddInstanceAsync();
        await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "alice") with { SessionGeneration = 5 }, 10, Ct);

        Assert.Equal(6, await Store.BumpSessionGenerationAsync(instance.SmartAGId, "alice", Ct));
        Assert.Equal(7, await Store.BumpSessionGenerationAsync(instance.SmartAGId, "alice", Ct));
        Assert.Equal(7, (await Store.FindUserAsync(instance.SmartAGId, "alice", Ct))!.SessionGeneration);
    }

    [StoreFact]
    public async Task BumpSessionGenerationAsync_UnknownUser_ReturnsNull()
    {
        var instance = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice");

        Assert.Null(await Store.BumpSessionGenerationAsync(instance.SmartAGId, "bob", Ct));
    }

    [StoreFact]
    public async Task DeleteUserAsync_ExistingUser_RemovesItAndFreesItsSlotAndClientIp()
    {
        var instance = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice", clientIp: "10.10.0.5");

        Assert.True(await Store.DeleteUserAsync(instance.SmartAGId, "alice", Ct));

        Assert.Null(await Store.FindUserAsync(instance.SmartAGId, "alice", Ct));
        Assert.Equal(UserWriteResult.Done, await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "bob", clientIp: "10.10.0.5"), 1, Ct));
    }

    [StoreFact]
    public async Task DeleteUserAsync_UnknownUser_ReturnsFalse()
    {
        var instance = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice");

        Assert.False(await Store.DeleteUserAsync(instance.SmartAGId, "bob", Ct));
        Assert.NotNull(await Store.FindUserAsync(instance.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task TryMoveUserAsync_RoomAtTarget_MovesTheUserAndBumpsTheStoredGeneration()
    {
        var origin = await AddInstanceAsync();
        var target = await AddInstanceAsync();
        var user = await AddUserAsync(origin.SmartAGId, "alice", clientIp: "10.10.0.5");
        await Store.BumpSessionGenerationAsync(origin.SmartAGId, "alice", Ct);
        // The caller's copy predates the bump above; the store carries over what it holds, not this.
        var moved = user with { SmartAGId = target.SmartAGId, ClientIp = "" };

        Assert.Equal(UserWriteResult.Done, await Store.TryMoveUserAsync(origin.SmartAGId, moved, 10, Ct));

        Assert.Null(await Store.FindUserAsync(origin.SmartAGId, "alice", Ct));
        Assert.Equal(moved with { SessionGeneration = 2 }, await Store.FindUserAsync(target.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task TryMoveUserAsync_TargetAtLimit_ReturnsOverLimitAndKeepsTheOrigin()
    {
        var origin = await AddInstanceAsync();
        var target = await AddInstanceAsync();
        var user = await AddUserAsync(origin.SmartAGId, "alice");
        await AddUserAsync(target.SmartAGId, "bob");

        var result = await Store.TryMoveUserAsync(origin.SmartAGId, user with { SmartAGId = target.SmartAGId }, 1, Ct);

        Assert.Equal(UserWriteResult.OverLimit, result);
        Assert.Equal(user, await Store.FindUserAsync(origin.SmartAGId, "alice", Ct));
        Assert.Null(await Store.FindUserAsync(target.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task TryMoveUserAsync_NameTakenAtTarget_ReturnsNameTakenAndKeepsBoth()
    {
        var origin = await AddInstanceAsync();
        var target = await AddInstanceAsync();
        var user = await AddUserAsync(origin.SmartAGId, "alice");
        var namesake = await AddUserAsync(target.SmartAGId, "alice", T0.AddMinutes(5));

        var result = await Store.TryMoveUserAsync(origin.SmartAGId, user with { SmartAGId = target.SmartAGId }, 10, Ct);

        Assert.Equal(UserWriteResult.NameTaken, result);
        Assert.Equal(user, await Store.FindUserAsync(origin.SmartAGId, "alice", Ct));
        Assert.Equal(namesake, await Store.FindUserAsync(target.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task TryMoveUserAsync_ClientIpTakenAtTarget_ReturnsClientIpTakenAndKeepsTheOrigin()
    {
        var origin = await AddInstanceAsync();
        var target = await AddInstanceAsync();
        var user = await AddUserAsync(origin.SmartAGId, "alice", clientIp: "10.10.0.5");
        await AddUserAsync(target.SmartAGId, "bob", clientIp: "10.10.0.5");

        var result = await Store.TryMoveUserAsync(origin.SmartAGId, user with { SmartAGId = target.SmartAGId }, 10, Ct);

        Assert.Equal(UserWriteResult.ClientIpTaken, result);
        Assert.Equal(user, await Store.FindUserAsync(origin.SmartAGId, "alice", Ct));
        Assert.Null(await Store.FindUserAsync(target.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task TryMoveUserAsync_UnknownUser_ReturnsNotFound()
    {
        var origin = await AddInstanceAsync();
        var target = await AddInstanceAsync();

        var result = await Store.TryMoveUserAsync(origin.SmartAGId, NewUser(target.SmartAGId, "alice"), 10, Ct);

        Assert.Equal(UserWriteResult.NotFound, result);
        Assert.Null(await Store.FindUserAsync(target.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task TryMoveUserAsync_UnknownTarget_ReturnsNotFoundAndKeepsTheOrigin()
    {
        var origin = await AddInstanceAsync();
        var user = await AddUserAsync(origin.SmartAGId, "alice");

        var result = await Store.TryMoveUserAsync(origin.SmartAGId, user with { SmartAGId = ResourceIds.NewSmartAgId() }, 10, Ct);

        Assert.Equal(UserWriteResult.NotFound, result);
        Assert.Equal(user, await Store.FindUserAsync(origin.SmartAGId, "alice", Ct));
    }
}
