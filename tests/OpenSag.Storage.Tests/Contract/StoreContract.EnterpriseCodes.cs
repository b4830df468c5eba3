using OpenSag.Domain;

namespace OpenSag.Storage.Tests.Contract;

/// <summary>Enterprise codes and instance bindings (IEnterpriseCodeStore; spec/smartag-acl-and-more.md §2.3).</summary>
public abstract partial class StoreContract
{
    [StoreFact]
    public async Task TryAddEnterpriseCodeAsync_NewCode_ListedWithAllFields()
    {
        var code = NewEnterpriseCode("ab123");

        Assert.True(await Store.TryAddEnterpriseCodeAsync(code, Ct));

        var (items, total) = await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(Region), null, 10, Ct);
        Assert.Equal(1, total);
        Assert.Equal(code, Assert.Single(items));
    }

    [StoreFact]
    public async Task TryAddEnterpriseCodeAsync_SameCodeInAnotherRegion_False()
    {
        Assert.True(await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ab123"), Ct));

        Assert.False(await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ab123", OtherRegion), Ct));
    }

    [StoreFact]
    public async Task TryAddEnterpriseCodeAsync_OtherLetterCase_IsAnotherCode()
    {
        Assert.True(await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ab123"), Ct));

        Assert.True(await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("AB123"), Ct));
    }

    [StoreFact]
    public async Task ListEnterpriseCodesAsync_AfterAndLimit_ByteOrderPagesWithTheTotal()
    {
        // Byte order puts digits before upper case before lower case, unlike most locales' collations.
        foreach (var text in new[] { "b1234", "A1234", "a1234", "1abcd", "B1234" })
        {
            await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode(text), Ct);
        }

        var first = await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(Region), null, 3, Ct);
        var second = await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(Region), first.Items[^1].Code, 3, Ct);

        Assert.Equal(["1abcd", "A1234", "B1234"], first.Items.Select(c => c.Code));
        Assert.Equal(["a1234", "b1234"], second.Items.Select(c => c.Code));
        Assert.Equal(5, first.TotalCount);
        Assert.Equal(5, second.TotalCount);
    }

    [StoreFact]
    public async Task ListEnterpriseCodesAsync_Filters_CodeDefaultAndRegion()
    {
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ab123"), Ct);
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("cd456"), Ct);
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ef789", OtherRegion), Ct);
        await Store.SetDefaultEnterpriseCodeAsync(Region, "cd456", true, Ct);

        var byCode = await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(Region) { Code = "ab123" }, null, 10, Ct);
        var defaults = await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(Region) { IsDefault = true }, null, 10, Ct);
        var others = await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(Region) { IsDefault = false }, null, 10, Ct);

        Assert.Equal(["ab123"], byCode.Items.Select(c => c.Code));
        Assert.Equal(["cd456"], defaults.Items.Select(c => c.Code));
        Assert.Equal(["ab123"], others.Items.Select(c => c.Code));
        Assert.Equal(1, others.TotalCount);
    }

    [StoreFact]
    public async Task SetDefaultEnterpriseCodeAsync_SecondDefault_ClearsTheFirst()
    {
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ab123"), Ct);
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("cd456"), Ct);
        Assert.Equal(EnterpriseCodeWriteResult.Done, await Store.SetDefaultEnterpriseCodeAsync(Region, "ab123", true, Ct));

        Assert.Equal(EnterpriseCodeWriteResult.Done, await Store.SetDefaultEnterpriseCodeAsync(Region, "cd456", true, Ct));

        var defaults = await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(Region) { IsDefault = true }, null, 10, Ct);
        Assert.Equal(["cd456"], defaults.Items.Select(c => c.Code));
    }

    [StoreFact]
    public async Task SetDefaultEnterpriseCodeAsync_DefaultOfAnotherRegion_Kept()
    {
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ab123"), Ct);
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("cd456", OtherRegion), Ct);
        await Store.SetDefaultEnterpriseCodeAsync(OtherRegion, "cd456", true, Ct);

        await Store.SetDefaultEnterpriseCodeAsync(Region, "ab123", true, Ct);

        var other = await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(OtherRegion) { IsDefault = true }, null, 10, Ct);
        Assert.Equal(["cd456"], other.Items.Select(c => c.Code));
    }

    [StoreFact]
    public async Task SetDefaultEnterpriseCodeAsync_UnknownCode_NotFoundAndTheDefaultKept()
    {
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ab123"), Ct);
        await Store.SetDefaultEnterpriseCodeAsync(Region, "ab123", true, Ct);

        Assert.Equal(EnterpriseCodeWriteResult.NotFound, await Store.SetDefaultEnterpriseCodeAsync(Region, "zz999", true, Ct));

        var defaults = await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(Region) { IsDefault = true }, null, 10, Ct);
        Assert.Equal(["ab123"], defaults.Items.Select(c => c.Code));
    }

    [StoreFact]
    public async Task SetDefaultEnterpriseCodeAsync_ConcurrentDefaultsFromTwoStores_ExactlyOneDefault()
    {
        var second = await OpenStoreAsync();
        var codes = Enumerable.Range(0, 8).Select(i => $"ab{i}00").ToList();
        foreach (var code in codes)
        {
            await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode(code), Ct);
        }

        await Task.WhenAll(codes.Select((code, i) => Task.Run(() => (i % 2 == 0 ? Store : second).SetDefaultEnterpriseCodeAsync(Region, code, true, Ct)))).WaitAsync(Timeout);

        var defaults = await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(Region) { IsDefault = true }, null, 10, Ct);
        Assert.Equal(1, defaults.TotalCount);
    }

    [StoreFact]
    public async Task DeleteEnterpriseCodeAsync_Plain_Deleted()
    {
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ab123"), Ct);

        Assert.Equal(EnterpriseCodeWriteResult.Done, await Store.DeleteEnterpriseCodeAsync(Region, "ab123", Ct));

        Assert.Equal(0, (await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(Region), null, 10, Ct)).TotalCount);
        Assert.True(await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ab123", OtherRegion), Ct));
    }

    [StoreFact]
    public async Task DeleteEnterpriseCodeAsync_DefaultBoundUnknownOrOtherRegion_RefusedAndKept()
    {
        var instance = await AddInstanceAsync();
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ab123"), Ct);
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("cd456"), Ct);
        await Store.SetDefaultEnterpriseCodeAsync(Region, "ab123", true, Ct);
        await Store.BindEnterpriseCodeAsync(Region, instance.SmartAGId, "cd456", Ct);

        Assert.Equal(EnterpriseCodeWriteResult.IsDefault, await Store.DeleteEnterpriseCodeAsync(Region, "ab123", Ct));
        Assert.Equal(EnterpriseCodeWriteResult.InUse, await Store.DeleteEnterpriseCodeAsync(Region, "cd456", Ct));
        Assert.Equal(EnterpriseCodeWriteResult.NotFound, await Store.DeleteEnterpriseCodeAsync(Region, "zz999", Ct));
        Assert.Equal(EnterpriseCodeWriteResult.NotFound, await Store.DeleteEnterpriseCodeAsync(OtherRegion, "ab123", Ct));
        Assert.Equal(2, (await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(Region), null, 10, Ct)).TotalCount);
    }

    [StoreFact]
    public async Task BindEnterpriseCodeAsync_Bound_InstanceCarriesTheCodeAndRebindMovesIt()
    {
        var instance = await AddInstanceAsync();
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ab123"), Ct);
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("cd456"), Ct);
        Assert.Equal("", (await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct))!.EnterpriseCode);

        Assert.Equal(EnterpriseCodeWriteResult.Done, await Store.BindEnterpriseCodeAsync(Region, instance.SmartAGId, "ab123", Ct));
        Assert.Equal("ab123", (await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct))!.EnterpriseCode);
        Assert.Equal(EnterpriseCodeWriteResult.Done, await Store.BindEnterpriseCodeAsync(Region, instance.SmartAGId, "cd456", Ct));

        Assert.Equal("cd456", (await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct))!.EnterpriseCode);
        Assert.Equal(EnterpriseCodeWriteResult.Done, await Store.DeleteEnterpriseCodeAsync(Region, "ab123", Ct));
    }

    [StoreFact]
    public async Task BindEnterpriseCodeAsync_UnknownCodeOrInstanceOrOtherRegion_Refused()
    {
        var instance = await AddInstanceAsync();
        var elsewhere = await AddInstanceAsync(OtherRegion);
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ab123"), Ct);

        Assert.Equal(EnterpriseCodeWriteResult.NotFound, await Store.BindEnterpriseCodeAsync(Region, instance.SmartAGId, "zz999", Ct));
        Assert.Equal(EnterpriseCodeWriteResult.InstanceNotFound, await Store.BindEnterpriseCodeAsync(Region, ResourceIds.NewSmartAgId(), "ab123", Ct));
        Assert.Equal(EnterpriseCodeWriteResult.InstanceNotFound, await Store.BindEnterpriseCodeAsync(Region, elsewhere.SmartAGId, "ab123", Ct));
        Assert.Equal(EnterpriseCodeWriteResult.NotFound, await Store.BindEnterpriseCodeAsync(OtherRegion, elsewhere.SmartAGId, "ab123", Ct));
    }

    [StoreFact]
    public async Task BindEnterpriseCodeAsync_RacingItsCodesDelete_NeverBoundToADeletedCode()
    {
        const int rounds = 10;
        var instance = await AddInstanceAsync();
        var second = await OpenStoreAsync();
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("zz000"), Ct);

        for (var round = 0; round < rounds; round++)
        {
            var code = $"ab{round}00";
            await Store.BindEnterpriseCodeAsync(Region, instance.SmartAGId, "zz000", Ct);
            await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode(code), Ct);

            var results = await Task.WhenAll(
                Task.Run(() => Store.BindEnterpriseCodeAsync(Region, instance.SmartAGId, code, Ct)),
                Task.Run(() => second.DeleteEnterpriseCodeAsync(Region, code, Ct))).WaitAsync(Timeout);

            var bound = (await Store.FindInstanceAsync(Region, instance.SmartAGId, Ct))!.EnterpriseCode;
            var exists = (await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(Region) { Code = code }, null, 10, Ct)).TotalCount == 1;
            Assert.True(bound != code || exists, $"round {round}: bound to {code}, which was deleted ({results[0]}, {results[1]})");
        }
    }

    [StoreFact]
    public async Task EnterpriseCodes_Reopened_Kept()
    {
        var instance = await AddInstanceAsync();
        await Store.TryAddEnterpriseCodeAsync(NewEnterpriseCode("ab123"), Ct);
        await Store.SetDefaultEnterpriseCodeAsync(Region, "ab123", true, Ct);
        await Store.BindEnterpriseCodeAsync(Region, instance.SmartAGId, "ab123", Ct);

        await ReopenAsync();

        var defaults = await Store.ListEnterpriseCodesAsync(new EnterpriseCodeFilter(Region) { IsDefault = true }, null, 10, Ct);
        Assert.Equal(["ab123"], defaults.Items.Select(c => c.Code));
        Assert.Equal("ab123", (await Store.FindInstanceByIdAsync(instance.SmartAGId, Ct))!.EnterpriseCode);
    }

    protected static EnterpriseCode NewEnterpriseCode(string code, string regionId = Region) => new()
    {
        RegionId = regionId,
        Code = code,
        CreatedAt = T0,
    };
}
