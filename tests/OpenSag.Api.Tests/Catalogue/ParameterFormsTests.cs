using OpenSag.Api.Actions;
using OpenSag.Api.Catalogue;
using OpenSag.Api.Tests.Support;
using OpenSag.Errors;

namespace OpenSag.Api.Tests.Catalogue;

/// <summary>
/// What every declared parameter of every action refuses, swept over the whole catalogue rather than a hand list:
/// values no answer format could carry (issue 9 item 11) and list/scalar forms that would otherwise be dropped
/// (issue 10 item 8). Each parameter is bound on its own, so an earlier required parameter cannot mask it.
/// </summary>
public class ParameterFormsTests
{
    private static readonly ActionTable Table = SmartagActions.CreateTable();

    public static TheoryData<string, string> StringParameters() => Parameters(p => p.Kind is ParameterKind.String or ParameterKind.StringList);

    public static TheoryData<string, string> ListParameters() => Parameters(p => p.Kind == ParameterKind.StringList);

    public static TheoryData<string, string> SingleParameters() => Parameters(p => p.Kind != ParameterKind.StringList);

    private static TheoryData<string, string> Parameters(Func<ParameterSpec, bool> which)
    {
        var data = new TheoryData<string, string>();
        foreach (var action in Table.All)
        {
            foreach (var parameter in action.Parameters.Where(which))
            {
                data.Add(action.Name, parameter.Name);
            }
        }

        return data;
    }

    private static (ActionDefinition Action, ParameterSpec Parameter) Find(string action, string parameter)
    {
        var definition = Table.Find(action)!;
        var spec = definition.Parameters.Single(p => p.Name == parameter);
        return (definition with { Parameters = [spec] }, spec);
    }

    private static async Task<ErrorDefinition> BindErrorAsync(ActionDefinition action, params (string Name, string Value)[] parameters)
    {
        var request = await Requests.GetAsync(parameters);
        return Assert.Throws<ApiException>(() => ActionArguments.Bind(action, request)).Error;
    }

    private static void AssertInvalidParameter(string key, ErrorDefinition error)
    {
        Assert.Equal("InvalidParameter", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("The specified value of parameter \"" + key + "\" is not valid.", error.Message);
    }

    [Fact]
    public void Catalogue_HasListAndStringParameters_TheSweepsBelowAreNotEmpty()
    {
        Assert.Equal(["AppDNS", "DpiGroupIds", "DpiSignatureIds", "RecoveredDNS", "SmartAGIds", "UserNames"], ListParameters().Select(r => (string)r[1]).Distinct().Order(StringComparer.Ordinal));
        Assert.True(StringParameters().Count > 40);
    }

    [Theory]
    [MemberData(nameof(StringParameters))]
    public async Task Bind_ControlCharacterInAnyStringParameter_InvalidParameterNamingIt(string actionName, string parameterName)
    {
        var (action, spec) = Find(actionName, parameterName);
        var key = spec.Kind == ParameterKind.StringList ? parameterName + ".1" : parameterName;

        var error = await BindErrorAsync(action, (key, "ok\u0001desc"));

        AssertInvalidParameter(key, error);
    }

    [Theory]
    [InlineData("Ok\u0000desc")]
    [InlineData("Ok\u001Bdesc")]
    [InlineData("Ok\u001Fdesc")]
    [InlineData("Ok\uFFFEdesc")]
    [InlineData("Ok\uFFFFdesc")]
    public async Task Bind_DescriptionWithCharacterXmlCannotCarry_InvalidParameter(string value)
    {
        var (action, _) = Find("ModifySmartAccessGateway", "Description");

        var error = await BindErrorAsync(action, ("Description", value));

        AssertInvalidParameter("Description", error);
    }

    [Fact]
    public async Task Bind_UserMailWithControlCharacterInTheFullAction_InvalidParameterNamingIt()
    {
        var error = await BindErrorAsync(ClientUserActions.Create, ("RegionId", "cn-shanghai"), ("SmartAGId", "sag-0123456789abcdefghij"),
            ("UserMail", "a\u0001b@example.com"), ("UserName", "alice.smith"), ("Password", "Secret_123"));

        AssertInvalidParameter("UserMail", error);
    }

    [Theory]
    [InlineData("Line one\nline two")]
    [InlineData("Tab\tand CR\r\nkept")]
    [InlineData("Emoji 😀 and 中文")]
    public async Task Bind_DescriptionWithCharactersEveryFormatCarries_Accepted(string value)
    {
        var arguments = ActionArguments.Bind(InstanceActions.Modify, await Requests.GetAsync(("RegionId", "cn-shanghai"), ("SmartAGId", "sag-a"), ("Description", value)));

        Assert.Equal(value, arguments.Get(InstanceActions.Description));
    }

    [Theory]
    [MemberData(nameof(ListParameters))]
    public async Task Bind_ListParameterUnderItsBareName_InvalidParameterNamingIt(string actionName, string parameterName)
    {
        var (action, _) = Find(actionName, parameterName);

        var error = await BindErrorAsync(action, (parameterName, "[\"x\"]"));

        AssertInvalidParameter(parameterName, error);
    }

    [Theory]
    [MemberData(nameof(ListParameters))]
    public async Task Bind_ListParameterWithMalformedIndex_InvalidParameterNamingTheKey(string actionName, string parameterName)
    {
        var (action, _) = Find(actionName, parameterName);

        foreach (var suffix in new[] { ".0", ".-1", ".x", ".", ".01", ".1.Sub", ".+1", ". 1", "[0]", "[]", "[1]" })
        {
            var key = parameterName + suffix;
            var error = await BindErrorAsync(action, (parameterName + ".1", "10.0.0.1"), (key, "10.0.0.2"));

            AssertInvalidParameter(key, error);
        }
    }

    [Theory]
    [MemberData(nameof(SingleParameters))]
    public async Task Bind_SingleValuedParameterSentAsAList_InvalidParameterNamingTheKey(string actionName, string parameterName)
    {
        var (action, _) = Find(actionName, parameterName);

        foreach (var suffix in new[] { ".1", "[0]", "[]" })
        {
            var key = parameterName + suffix;
            var error = await BindErrorAsync(action, (key, "1"));

            AssertInvalidParameter(key, error);
        }
    }

    [Fact]
    public async Task Bind_ListNameThatPrefixesAnotherParameter_NotMistakenForIt()
    {
        // SmartAGId (one instance) and SmartAGIds (a list) share a prefix; each must still be read as itself.
        var arguments = ActionArguments.Bind(InstanceActions.List, await Requests.GetAsync(
            ("RegionId", "cn-shanghai"), ("SmartAGId", "sag-a"), ("SmartAGIds.1", "sag-b"), ("SmartAGIds.2", "sag-c")));

        Assert.Equal("sag-a", arguments.Get(InstanceActions.SmartAgIdFilter));
        Assert.Equal(["sag-b", "sag-c"], arguments.Get(WireParameters.SmartAgIds));
    }
}
