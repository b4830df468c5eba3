using Microsoft.AspNetCore.Http;
using OpenSag.Api.Protocol;
using OpenSag.Api.Signing;
using OpenSag.Api.Tests.Support;
using OpenSag.Errors;

namespace OpenSag.Api.Tests.Protocol;

/// <summary>Reading parameters off the wire: query and form body merged (spec/smartag-api.md §2.2, §3.3, §5.3).</summary>
public class RpcRequestTests
{
    private static async Task<ErrorDefinition> ReadErrorAsync(HttpContext context)
    {
        var exception = await Assert.ThrowsAsync<ApiException>(() => Requests.ReadAsync(context));
        return exception.Error;
    }

    [Fact]
    public async Task ReadAsync_QueryAndFormBody_MergedIntoParametersWhileQueryStaysAlone()
    {
        var request = await Requests.ReadAsync("POST", "Action=KickOutClients&RegionId=cn-shanghai", "SmartAGId=sag-1&Username=doctest");

        Assert.Equal("POST", request.Method);
        Assert.Equal(
            new Dictionary<string, string> { ["Action"] = "KickOutClients", ["RegionId"] = "cn-shanghai", ["SmartAGId"] = "sag-1", ["Username"] = "doctest" },
            request.Parameters);
        Assert.Equal(new Dictionary<string, string> { ["Action"] = "KickOutClients", ["RegionId"] = "cn-shanghai" }, request.Query);
        Assert.Equal("SmartAGId=sag-1&Username=doctest"u8.ToArray(), request.Body);
        Assert.Equal("doctest", request.Get("Username"));
        Assert.Null(request.Get("UserName"));
    }

    [Fact]
    public async Task ReadAsync_SameKeyInQueryAndBodyWithDifferentValues_InvalidParameter()
    {
        var error = await ReadErrorAsync(Requests.Context("POST", "RegionId=cn-shanghai", "RegionId=cn-beijing"));

        Assert.Equal("InvalidParameter", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("The specified value of parameter \"RegionId\" is not valid.", error.Message);
    }

    [Fact]
    public async Task ReadAsync_SameKeyInQueryAndBodyWithTheSameValue_Accepted()
    {
        var request = await Requests.ReadAsync("POST", "RegionId=cn-shanghai", "RegionId=cn-shanghai");

        Assert.Equal("cn-shanghai", request.Get("RegionId"));
        Assert.Single(request.Parameters);
    }

    [Fact]
    public async Task ReadAsync_KeyRepeatedInQuery_InvalidParameter()
    {
        var error = await ReadErrorAsync(Requests.Context("GET", "Username=a&RegionId=cn-shanghai&Username=b"));

        Assert.Equal("InvalidParameter", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal("The specified value of parameter \"Username\" is not valid.", error.Message);
    }

    [Fact]
    public async Task ReadAsync_KeyRepeatedInBody_InvalidParameter()
    {
        var error = await ReadErrorAsync(Requests.Context("POST", "", "Username=a&Username=a"));

        Assert.Equal("InvalidParameter", error.Code);
        Assert.Equal(400, error.HttpStatus);
    }

    [Theory]
    [InlineData("with spaces in it")]
    [InlineData("a+b")]
    [InlineData("a*b")]
    [InlineData("a~b")]
    [InlineData("\"double\" and 'single'")]
    [InlineData("é")]
    [InlineData("中文")]
    [InlineData("a&b=c%d")]
    [InlineData("😀")]
    public async Task ReadAsync_PercentEncodedValueInQuery_DecodedExactly(string value)
    {
        var request = await Requests.GetAsync(("Name", value));

        Assert.Equal(value, request.Get("Name"));
    }

    [Theory]
    [InlineData("with spaces in it")]
    [InlineData("a+b")]
    [InlineData("\"double\" and 'single' *~")]
    [InlineData("中文 é")]
    public async Task ReadAsync_PercentEncodedValueInBody_DecodedExactly(string value)
    {
        var request = await Requests.ReadAsync("POST", "", "Name=" + PercentEncoding.Encode(value));

        Assert.Equal(value, request.Get("Name"));
    }

    [Fact]
    public async Task ReadAsync_LowerCaseHexEscapes_DecodedLikeUpperCase()
    {
        // The 2018-03-13 .NET SDK sends GET with lower-case escapes (spec §2.2).
        var request = await Requests.ReadAsync("GET", "Timestamp=2024-01-01T00%3a00%3a00Z&Name=a%2bb%2a%c3%a9");

        Assert.Equal("2024-01-01T00:00:00Z", request.Get("Timestamp"));
        Assert.Equal("a+b*é", request.Get("Name"));
    }

    [Fact]
    public async Task ReadAsync_RawPlusInQuery_DecodedAsSpaceAsInForms()
    {
        var request = await Requests.ReadAsync("GET", "Name=a+b");

        Assert.Equal("a b", request.Get("Name"));
    }

    [Fact]
    public async Task ReadAsync_EmptyValue_KeptAsEmptyString()
    {
        var request = await Requests.ReadAsync("GET", "Username=&RegionId=cn-shanghai");

        Assert.Equal("", request.Get("Username"));
    }

    [Fact]
    public async Task ReadAsync_BodyThatIsNotAForm_NotMergedButKeptForHashing()
    {
        var context = Requests.Context("POST", "RegionId=cn-shanghai", "Username=doctest");
        context.Request.ContentType = "application/json";

        var request = await Requests.ReadAsync(context);

        Assert.Null(request.Get("Username"));
        Assert.Equal("Username=doctest"u8.ToArray(), request.Body);
    }

    [Fact]
    public async Task ReadAsync_FormContentTypeWithCharset_Merged()
    {
        var context = Requests.Context("POST", "", "Username=doctest");
        context.Request.ContentType = "application/x-www-form-urlencoded; charset=UTF-8";

        var request = await Requests.ReadAsync(context);

        Assert.Equal("doctest", request.Get("Username"));
    }

    [Fact]
    public async Task ReadAsync_FormBodyNotUtf8_InvalidParameter()
    {
        var context = Requests.Context("POST", "");
        byte[] body = [(byte)'a', (byte)'=', 0xC3, 0x28];
        context.Request.Body = new MemoryStream(body);
        context.Request.ContentType = Requests.FormContentType;

        var error = await ReadErrorAsync(context);

        Assert.Equal("InvalidParameter", error.Code);
        Assert.Equal("The request body is not valid UTF-8.", error.Message);
    }

    [Fact]
    public async Task ReadAsync_BodyLargerThanTheLimit_InvalidParameter()
    {
        var context = Requests.Context("POST", "", "a=" + new string('x', RpcRequest.MaxBodyBytes));
        context.Request.ContentLength = null;

        var error = await ReadErrorAsync(context);

        Assert.Equal("InvalidParameter", error.Code);
        Assert.Equal(400, error.HttpStatus);
        Assert.Equal($"The request body is larger than {RpcRequest.MaxBodyBytes} bytes.", error.Message);
    }

    [Fact]
    public async Task ReadAsync_HostWithPort_HostIdWithoutPort()
    {
        var context = Requests.Context("GET", "", host: "smartag.cn-shanghai.example.test:8443");

        var request = await Requests.ReadAsync(context);

        Assert.Equal("smartag.cn-shanghai.example.test", request.Host);
        Assert.Equal("smartag.cn-shanghai.example.test:8443", request.Header("Host"));
    }
}
