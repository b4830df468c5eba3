using System.Text.Json;
using OpenSag.IntegrationTests.Support;

namespace OpenSag.IntegrationTests.AppApi;

/// <summary>The five enterprise-code actions over HTTP (spec/smartag-acl-and-more.md §2.3, spec/smartag-api.md §1.20).</summary>
[Collection(SharedConformanceServer.Name)]
public sealed class EnterpriseCodeTests(ConformanceServerFixture fixture) : IDisposable
{
    private readonly AppApiCalls _api = new(fixture.Server);

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task CreateEnterpriseCode_WellFormed_ListedNotDefault()
    {
        var code = AppApiCalls.NewEnterpriseCode();

        var created = await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code));

        Assert.Equal(["RequestId"], created.EnumerateObject().Select(p => p.Name));
        var list = await _api.OkAsync("ListEnterpriseCode");
        Assert.Equal(1, list.GetProperty("TotalCount").GetInt32());
        var item = Assert.Single(list.GetProperty("EnterpriseCodes").EnumerateArray());
        Assert.Equal(code, item.GetProperty("EnterpriseCode").GetString());
        Assert.False(item.GetProperty("IsDefault").GetBoolean());
    }

    [Theory]
    [InlineData("abcde")]
    [InlineData("12345")]
    [InlineData("ab12")]
    [InlineData("ab1234")]
    [InlineData("ab-12")]
    [InlineData("ab１23")]
    public async Task CreateEnterpriseCode_Malformed_InvalidParameterNamingIt(string code)
    {
        var message = await _api.RefusedAsync(400, "InvalidParameter", "CreateEnterpriseCode", ("EnterpriseCode", code));

        Assert.Equal("The specified value of parameter \"EnterpriseCode\" is not valid.", message);
    }

    [Fact]
    public async Task CreateEnterpriseCode_TakenInAnotherRegion_BeenOccupied()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        using var other = new AppApiCalls(fixture.Server);
        await other.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code));

        var message = await _api.RefusedAsync(400, "EnterpriseCode.BeenOccupied", "CreateEnterpriseCode", ("EnterpriseCode", code));

        Assert.Equal("The specified enterprise code is occupied by other enterprises.", message);
    }

    [Fact]
    public async Task CreateEnterpriseCode_OtherLetterCase_IsAnotherCode()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code));

        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", Swapped(code)));

        Assert.Equal(2, (await _api.OkAsync("ListEnterpriseCode")).GetProperty("TotalCount").GetInt32());
    }

    [Fact]
    public async Task UpdateEnterpriseCode_SecondDefault_ClearsTheFirst()
    {
        var first = AppApiCalls.NewEnterpriseCode();
        var second = AppApiCalls.NewEnterpriseCode();
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", first));
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", second));
        await _api.OkAsync("UpdateEnterpriseCode", ("EnterpriseCode", first), ("IsDefault", "true"));

        await _api.OkAsync("UpdateEnterpriseCode", ("EnterpriseCode", second), ("IsDefault", "true"));

        var defaults = await _api.OkAsync("ListEnterpriseCode", ("IsDefault", "true"));
        Assert.Equal(1, defaults.GetProperty("TotalCount").GetInt32());
        Assert.Equal(second, Assert.Single(defaults.GetProperty("EnterpriseCodes").EnumerateArray()).GetProperty("EnterpriseCode").GetString());
    }

    [Fact]
    public async Task UpdateEnterpriseCode_Unknown_NotExist()
    {
        var message = await _api.RefusedAsync(400, "EnterpriseCode.NotExist", "UpdateEnterpriseCode", ("EnterpriseCode", AppApiCalls.NewEnterpriseCode()), ("IsDefault", "true"));

        Assert.Equal("The specified enterprise code does not exist.", message);
    }

    [Fact]
    public async Task UpdateEnterpriseCode_IsDefaultMissing_MissingIsDefault()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code));

        await _api.RefusedAsync(400, "MissingIsDefault", "UpdateEnterpriseCode", ("EnterpriseCode", code));
    }

    [Fact]
    public async Task DeleteEnterpriseCode_Default_DeleteLimitUntilNoLongerDefault()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code));
        await _api.OkAsync("UpdateEnterpriseCode", ("EnterpriseCode", code), ("IsDefault", "true"));

        var message = await _api.RefusedAsync(400, "EnterpriseCode.DeleteLimit", "DeleteEnterpriseCode", ("EnterpriseCode", code));

        Assert.Equal("The specified default enterprise code cannot be deleted.", message);
        await _api.OkAsync("UpdateEnterpriseCode", ("EnterpriseCode", code), ("IsDefault", "false"));
        await _api.OkAsync("DeleteEnterpriseCode", ("EnterpriseCode", code));
        Assert.Equal(0, (await _api.OkAsync("ListEnterpriseCode")).GetProperty("TotalCount").GetInt32());
    }

    [Fact]
    public async Task DeleteEnterpriseCode_BoundToAnInstance_BeingUsedUntilMoved()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        var other = AppApiCalls.NewEnterpriseCode();
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code));
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", other));
        var sag = await _api.CreateInstanceAsync();
        await _api.OkAsync("UpdateSmartAGEnterpriseCode", ("SmartAGId", sag), ("EnterpriseCode", code));

        var message = await _api.RefusedAsync(400, "EnterpriseCode.BeingUsed", "DeleteEnterpriseCode", ("EnterpriseCode", code));

        Assert.Equal("The specified enterprise code is being used.", message);
        await _api.OkAsync("UpdateSmartAGEnterpriseCode", ("SmartAGId", sag), ("EnterpriseCode", other));
        await _api.OkAsync("DeleteEnterpriseCode", ("EnterpriseCode", code));
    }

    [Fact]
    public async Task DeleteEnterpriseCode_Unknown_NotExist() =>
        await _api.RefusedAsync(400, "EnterpriseCode.NotExist", "DeleteEnterpriseCode", ("EnterpriseCode", AppApiCalls.NewEnterpriseCode()));

    [Fact]
    public async Task DeleteEnterpriseCode_OfAnotherRegion_NotExist()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        using var other = new AppApiCalls(fixture.Server);
        await other.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code));

        await _api.RefusedAsync(400, "EnterpriseCode.NotExist", "DeleteEnterpriseCode", ("EnterpriseCode", code));
    }

    [Fact]
    public async Task UpdateSmartAGEnterpriseCode_Bound_ListedOnTheInstance()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code));
        var sag = await _api.CreateInstanceAsync();
        Assert.Equal("", (await _api.DescribeInstanceAsync(sag)).GetProperty("EnterpriseCode").GetString());

        await _api.OkAsync("UpdateSmartAGEnterpriseCode", ("SmartAGId", sag), ("EnterpriseCode", code));

        Assert.Equal(code, (await _api.DescribeInstanceAsync(sag)).GetProperty("EnterpriseCode").GetString());
    }

    [Fact]
    public async Task UpdateSmartAGEnterpriseCode_UnknownCode_NotExist()
    {
        var sag = await _api.CreateInstanceAsync();

        await _api.RefusedAsync(400, "EnterpriseCode.NotExist", "UpdateSmartAGEnterpriseCode", ("SmartAGId", sag), ("EnterpriseCode", AppApiCalls.NewEnterpriseCode()));
    }

    [Fact]
    public async Task UpdateSmartAGEnterpriseCode_UnknownInstance_InstanceNoFound()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code));

        await _api.RefusedAsync(400, "SAG.InstanceNoFound", "UpdateSmartAGEnterpriseCode", ("SmartAGId", "sag-doesnotexist00000000"), ("EnterpriseCode", code));
    }

    [Theory]
    [InlineData("SmartAGId")]
    [InlineData("EnterpriseCode")]
    public async Task UpdateSmartAGEnterpriseCode_ParameterMissing_403MissingParameter(string missing)
    {
        (string, string)[] all = [("SmartAGId", "sag-doesnotexist00000000"), ("EnterpriseCode", "ab123")];

        var message = await _api.RefusedAsync(403, "MissingParameter", "UpdateSmartAGEnterpriseCode", [.. all.Where(p => p.Item1 != missing)]);

        Assert.Equal("The input parameter is missing, please check your input.", message);
    }

    [Fact]
    public async Task ListEnterpriseCode_PagedByMaxResults_EveryCodeOnceInByteOrder()
    {
        var codes = Enumerable.Range(0, 5).Select(_ => AppApiCalls.NewEnterpriseCode()).ToList();
        foreach (var code in codes)
        {
            await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code));
        }

        var seen = new List<string>();
        string? token = null;
        for (var page = 0; page < 10; page++)
        {
            (string, string)[] paging = token is null ? [("MaxResults", "2")] : [("MaxResults", "2"), ("NextToken", token)];
            var body = await _api.OkAsync("ListEnterpriseCode", paging);
            Assert.Equal(5, body.GetProperty("TotalCount").GetInt32());
            Assert.Equal(2, body.GetProperty("MaxResults").GetInt32());
            seen.AddRange(body.GetProperty("EnterpriseCodes").EnumerateArray().Select(e => e.GetProperty("EnterpriseCode").GetString()!));
            token = body.TryGetProperty("NextToken", out var next) && next.GetString() is { Length: > 0 } t ? t : null;
            if (token is null)
            {
                break;
            }
        }

        Assert.Equal(codes.Order(StringComparer.Ordinal), seen);
    }

    [Fact]
    public async Task ListEnterpriseCode_ByCode_OnlyThatCode()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code));
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", AppApiCalls.NewEnterpriseCode()));

        var body = await _api.OkAsync("ListEnterpriseCode", ("EnterpriseCode", code));

        Assert.Equal(code, Assert.Single(body.GetProperty("EnterpriseCodes").EnumerateArray()).GetProperty("EnterpriseCode").GetString());
    }

    [Fact]
    public async Task ListEnterpriseCode_NextTokenNotHandedOut_InvalidNextToken() =>
        await _api.RefusedAsync(400, "InvalidNextToken", "ListEnterpriseCode", ("NextToken", "not a token"));

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    public async Task ListEnterpriseCode_MaxResultsOutOfRange_InvalidMaxResults(string maxResults) =>
        await _api.RefusedAsync(400, "InvalidMaxResults", "ListEnterpriseCode", ("MaxResults", maxResults));

    [Fact]
    public async Task ListEnterpriseCode_Xml_EachCodeAnEnterpriseCodesElement()
    {
        var code = AppApiCalls.NewEnterpriseCode();
        await _api.OkAsync("CreateEnterpriseCode", ("EnterpriseCode", code));
        await _api.OkAsync("UpdateEnterpriseCode", ("EnterpriseCode", code), ("IsDefault", "true"));

        var (status, xml) = await _api.CallXmlAsync("ListEnterpriseCode");

        Assert.Equal(200, status);
        Assert.Equal("ListEnterpriseCode", xml.Root!.Name.LocalName);
        Assert.Equal("1", xml.Root.Element("TotalCount")!.Value);
        var item = Assert.Single(xml.Root.Elements("EnterpriseCodes"));
        Assert.Equal(code, item.Element("EnterpriseCode")!.Value);
        Assert.Equal("true", item.Element("IsDefault")!.Value);
    }

    [Fact]
    public async Task ListEnterpriseCode_Empty_RealEmptyArray()
    {
        var body = await _api.OkAsync("ListEnterpriseCode");

        Assert.Equal(JsonValueKind.Array, body.GetProperty("EnterpriseCodes").ValueKind);
        Assert.Equal(0, body.GetProperty("TotalCount").GetInt32());
        Assert.Equal(10, body.GetProperty("MaxResults").GetInt32());
    }

    private static string Swapped(string code) => new([.. code.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c))]);
}
