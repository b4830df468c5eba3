using System.Text;
using System.Text.Json;
using OpenSag.Gateway.Protocol;

namespace OpenSag.Gateway.Tests;

/// <summary>A control message has each key once (issue 9 item 10): two readers must never see two different messages.</summary>
public sealed class ControlJsonTests
{
    [Theory]
    [InlineData("""{"type":"login","userName":"a","userName":"b"}""", "userName")]
    [InlineData("""{"type":"login","userName":"a","USERNAME":"b"}""", "USERNAME")]
    [InlineData("""{"a":{"x":1,"x":2}}""", "x")]
    [InlineData("""{"a":[{"x":1},{"y":1,"y":2}]}""", "y")]
    public void FindRepeatedKey_KeyTwiceInOneObject_ReturnsIt(string json, string expected) =>
        Assert.Equal(expected, ControlJson.FindRepeatedKey(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("""{"type":"login","userName":"a","password":"b"}""")]
    [InlineData("""{"a":{"x":1},"b":{"x":2},"x":[{"x":3},{"x":4}]}""")]
    [InlineData("[]")]
    public void FindRepeatedKey_EachKeyOncePerObject_Null(string json) =>
        Assert.Null(ControlJson.FindRepeatedKey(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("")]
    [InlineData("{\"type\":")]
    [InlineData("{} {}")]
    public void FindRepeatedKey_NotOneJsonValue_Throws(string json) =>
        Assert.ThrowsAny<JsonException>(() => ControlJson.FindRepeatedKey(Encoding.UTF8.GetBytes(json)));

    [Theory]
    [InlineData("""{"type":"logout","type":"pong"}""")]
    [InlineData("""{"type":"logout","Type":"pong"}""")]
    [InlineData("""{"type":1}""")]
    [InlineData("[\"logout\"]")]
    public void TypeOf_RepeatedOrMalformed_Null(string json) => Assert.Null(ControlJson.TypeOf(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void Deserialize_RepeatedKey_Refused() =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<LoginRequest>("""{"type":"login","password":"a","password":"b"}""", ControlJson.Options));
}
