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
    public async Task ListUsersAsync_UserNameContains_ReturnsNamesContainingItLetterCaseCounting()
    {
        var instance = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice.lab");
        await AddUserAsync(instance.SmartAGId, "lab.bob", T0.AddMinutes(1));
        await AddUserAsync(instance.SmartAGId, "LAB.carol", T0.AddMinutes(2));
        await AddUserAsync(instance.SmartAGId, "dave", T0.AddMinutes(3));
        var other = await AddInstanceAsync();
        await AddUserAsync(other.SmartAGId, "lab.other");

        var page = await Store.ListUsersAsync(new UserFilter(instance.SmartAGId) { UserNameContains = "lab" }, 1, 10, Ct);
        // A LIKE pattern's wildcards are plain text here: '_' matches only '_'.
        var literal = await Store.ListUsersAsync(new UserFilter(instance.SmartAGId) { UserNameContains = "l_b" }, 1, 10, Ct);

        Assert.Equal(["alice.lab", "lab.bob"], page.Items.Select(u => u.UserName));
        Assert.Equal(2, page.TotalCount);
        Assert.Equal(0, literal.TotalCount);
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
    public async Task UpdateUserAsync_EveryFieldSet_WritesThemAndKeepsTheRest()
    {
        var instance = await AddInstanceAsync();
        var user = await AddUserAsync(instance.SmartAGId, "alice", clientIp: "10.10.0.5");
        var change = new ClientUserChange(instance.SmartAGId, "alice")
        {
            UserMail = "new@example.com",
            Bandwidth = 512,
            PasswordHash = "new-hash",
            State = UserState.Disabled,
        };
        var expected = user with { UserMail = "new@example.com", Bandwidth = 512, PasswordHash = "new-hash", State = UserState.Disabled };

        var stored = await Store.UpdateUserAsync(change, Ct);

        Assert.Equal(expected, stored);
        Assert.Equal(expected, await Store.FindUserAsync(instance.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task UpdateUserAsync_OneFieldSet_LeavesEveryOtherAsStoredNow()
    {
        var instance = await AddInstanceAsync();
        var user = await AddUserAsync(instance.SmartAGId, "alice");
        // Committed after the caller of the write below may have read the user: a copy written back would undo it.
        await Store.UpdateUserAsync(new ClientUserChange(instance.SmartAGId, "alice") { State = UserState.Disabled, BumpGeneration = true }, Ct);

        var stored = await Store.UpdateUserAsync(new ClientUserChange(instance.SmartAGId, "alice") { PasswordHash = "new-hash" }, Ct);

        var expected = user with { PasswordHash = "new-hash", State = UserState.Disabled, SessionGeneration = 1 };
        Assert.Equal(expected, stored);
        Assert.Equal(expected, await Store.FindUserAsync(instance.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task UpdateUserAsync_NothingSet_ReturnsTheUserUnchanged()
    {
        var instance = await AddInstanceAsync();
        var user = await AddUserAsync(instance.SmartAGId, "alice");

        Assert.Equal(user, await Store.UpdateUserAsync(new ClientUserChange(instance.SmartAGId, "alice"), Ct));
        Assert.Equal(user, await Store.FindUserAsync(instance.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task UpdateUserAsync_WithBump_IncrementsTheGeneration()
    {
        var instance = await AddInstanceAsync();
        var user = await AddUserAsync(instance.SmartAGId, "alice");

        var stored = await Store.UpdateUserAsync(new ClientUserChange(instance.SmartAGId, "alice") { State = UserState.Disabled, BumpGeneration = true }, Ct);

        Assert.Equal(user.SessionGeneration + 1, stored!.SessionGeneration);
        Assert.Equal(UserState.Disabled, stored.State);
        Assert.Equal(user.SessionGeneration + 1, (await Store.FindUserAsync(instance.SmartAGId, "alice", Ct))!.SessionGeneration);
    }

    [StoreFact]
    public async Task UpdateUserAsync_AfterOtherBumps_KeepsOrIncrementsTheStoredGeneration()
    {
        var instance = await AddInstanceAsync();
        await AddUserAsync(instance.SmartAGId, "alice");
        await Store.BumpSessionGenerationAsync(instance.SmartAGId, "alice", Ct);
        await Store.BumpSessionGenerationAsync(instance.SmartAGId, "alice", Ct);

        var unbumped = await Store.UpdateUserAsync(new ClientUserChange(instance.SmartAGId, "alice") { Bandwidth = 100 }, Ct);
        var bumped = await Store.UpdateUserAsync(new ClientUserChange(instance.SmartAGId, "alice") { Bandwidth = 200, BumpGeneration = true }, Ct);

        Assert.Equal(2, unbumped!.SessionGeneration);
        Assert.Equal(3, bumped!.SessionGeneration);
        Assert.Equal(3, (await Store.FindUserAsync(instance.SmartAGId, "alice", Ct))!.SessionGeneration);
    }

    [StoreFact]
    public async Task UpdateUserAsync_UnknownUser_ReturnsNull()
    {
        var instance = await AddInstanceAsync();

        Assert.Null(await Store.UpdateUserAsync(new ClientUserChange(instance.SmartAGId, "nobody") { State = UserState.Disabled, BumpGeneration = true }, Ct));
        Assert.Null(await Store.FindUserAsync(instance.SmartAGId, "nobody", Ct));
    }

    /// <summary>
    /// Writers of different fields (as a reset, a modify, a disable and a kick on different nodes would be) race on
    /// one row, each through its own store object over the same database; after every round each field holds what its
    /// writer wrote and the generation counts every bump.
    /// </summary>
    [StoreFact]
    public async Task UpdateUserAsync_ConcurrentWritesOfDifferentFields_EveryWriteSticks()
    {
        const int rounds = 20;
        var instance = await AddInstanceAsync();
        var user = await AddUserAsync(instance.SmartAGId, "alice");
        IOpenSagStore[] stores = [Store, await OpenStoreAsync(), await OpenStoreAsync()];

        for (var round = 0; round < rounds; round++)
        {
            var state = round % 2 == 0 ? UserState.Disabled : UserState.Enabled;
            ClientUserChange[] changes =
            [
                new(instance.SmartAGId, "alice") { UserMail = $"round{round}@example.com" },
                new(instance.SmartAGId, "alice") { Bandwidth = 100 + round },
                new(instance.SmartAGId, "alice") { PasswordHash = "hash-" + round },
                new(instance.SmartAGId, "alice") { State = state, BumpGeneration = true },
            ];
            await Task.WhenAll(changes.Select((change, i) => Task.Run(() => stores[(round + i) % stores.Length].UpdateUserAsync(change, Ct)))).WaitAsync(Timeout);

            var expected = user with
            {
                UserMail = $"round{round}@example.com",
                Bandwidth = 100 + round,
                PasswordHash = "hash-" + round,
                State = state,
                SessionGeneration = round + 1,
            };
            Assert.Equal(expected, await Store.FindUserAsync(instance.SmartAGId, "alice", Ct));
        }
    }

    [StoreFact]
    public async Task TryAddUserAsync_ClientIpOutsideTheStoredCidr_ReturnsClientIpInvalid()
    {
        var instance = await AddInstanceAsync();
        Assert.Equal(InstanceWriteResult.Done, await Store.UpdateInstanceAsync(
            new InstanceChange(Region, instance.SmartAGId) { CidrBlock = Cidr("10.20.0.0/24") }, Ct));

        // The caller checked this address against the block it read (10.10.0.0/24); the store checks the block it holds.
        var result = await Store.TryAddUserAsync(NewUser(instance.SmartAGId, "alice", clientIp: "10.10.0.5"), 10, Ct);

        Assert.Equal(UserWriteResult.ClientIpInvalid, result);
        Assert.Null(await Store.FindUserAsync(instance.SmartAGId, "alice", Ct));
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
    public async Task TryMoveUserAsync_RoomAtTarget_MovesTheStoredUserAndBumpsItsGeneration()
    {
        var origin = await AddInstanceAsync();
        var target = await AddInstanceAsync();
        var user = await AddUserAsync(origin.SmartAGId, "alice", clientIp: "10.10.0.5");
        // Committed after the caller may have read the user: what moves is the row as stored at the move.
        await Store.UpdateUserAsync(new ClientUserChange(origin.SmartAGId, "alice") { State = UserState.Disabled, PasswordHash = "new-hash", BumpGeneration = true }, Ct);

        Assert.Equal(UserWriteResult.Done, await Store.TryMoveUserAsync(origin.SmartAGId, "alice", target.SmartAGId, 10, Ct));

        Assert.Null(await Store.FindUserAsync(origin.SmartAGId, "alice", Ct));
        var expected = user with { SmartAGId = target.SmartAGId, State = UserState.Disabled, PasswordHash = "new-hash", SessionGeneration = 2 };
        Assert.Equal(expected, await Store.FindUserAsync(target.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task TryMoveUserAsync_StaticIpTheTargetCannotAssign_ClearsIt()
    {
        var origin = await AddInstanceAsync();
        var target = await AddInstanceAsync();
        Assert.Equal(InstanceWriteResult.Done, await Store.UpdateInstanceAsync(
            new InstanceChange(Region, target.SmartAGId) { CidrBlock = Cidr("10.20.0.0/24") }, Ct));
        var user = await AddUserAsync(origin.SmartAGId, "alice", clientIp: "10.10.0.5");

        Assert.Equal(UserWriteResult.Done, await Store.TryMoveUserAsync(origin.SmartAGId, "alice", target.SmartAGId, 10, Ct));

        Assert.Equal(user with { SmartAGId = target.SmartAGId, ClientIp = "", SessionGeneration = 1 }, await Store.FindUserAsync(target.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task TryMoveUserAsync_TargetAtLimit_ReturnsOverLimitAndKeepsTheOrigin()
    {
        var origin = await AddInstanceAsync();
        var target = await AddInstanceAsync();
        var user = await AddUserAsync(origin.SmartAGId, "alice");
        await AddUserAsync(target.SmartAGId, "bob");

        var result = await Store.TryMoveUserAsync(origin.SmartAGId, user.UserName, target.SmartAGId, 1, Ct);

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

        var result = await Store.TryMoveUserAsync(origin.SmartAGId, user.UserName, target.SmartAGId, 10, Ct);

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

        var result = await Store.TryMoveUserAsync(origin.SmartAGId, user.UserName, target.SmartAGId, 10, Ct);

        Assert.Equal(UserWriteResult.ClientIpTaken, result);
        Assert.Equal(user, await Store.FindUserAsync(origin.SmartAGId, "alice", Ct));
        Assert.Null(await Store.FindUserAsync(target.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task TryMoveUserAsync_UnknownUser_ReturnsNotFound()
    {
        var origin = await AddInstanceAsync();
        var target = await AddInstanceAsync();

        var result = await Store.TryMoveUserAsync(origin.SmartAGId, "alice", target.SmartAGId, 10, Ct);

        Assert.Equal(UserWriteResult.NotFound, result);
        Assert.Null(await Store.FindUserAsync(target.SmartAGId, "alice", Ct));
    }

    [StoreFact]
    public async Task TryMoveUserAsync_UnknownTarget_ReturnsNotFoundAndKeepsTheOrigin()
    {
        var origin = await AddInstanceAsync();
        var user = await AddUserAsync(origin.SmartAGId, "alice");

        var result = await Store.TryMoveUserAsync(origin.SmartAGId, user.UserName, ResourceIds.NewSmartAgId(), 10, Ct);

        Assert.Equal(UserWriteResult.NotFound, result);
        Assert.Equal(user, await Store.FindUserAsync(origin.SmartAGId, "alice", Ct));
    }
}
