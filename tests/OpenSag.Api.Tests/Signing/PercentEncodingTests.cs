using OpenSag.Api.Signing;

namespace OpenSag.Api.Tests.Signing;

/// <summary>RFC 3986 encoding as spec/smartag-api.md §2.2 step 3 defines it.</summary>
public class PercentEncodingTests
{
    [Theory]
    [InlineData(" ", "%20")]
    [InlineData("*", "%2A")]
    [InlineData("~", "~")]
    [InlineData("+", "%2B")]
    [InlineData("é", "%C3%A9")]
    [InlineData("中", "%E4%B8%AD")]
    [InlineData("\"", "%22")]
    [InlineData("'", "%27")]
    [InlineData("!", "%21")]
    [InlineData("(", "%28")]
    [InlineData(")", "%29")]
    [InlineData("/", "%2F")]
    [InlineData(":", "%3A")]
    [InlineData("=", "%3D")]
    [InlineData("&", "%26")]
    [InlineData("%", "%25")]
    [InlineData("\n", "%0A")]
    [InlineData("😀", "%F0%9F%98%80")]
    public void Encode_ReservedOrNonAsciiCharacter_IsUpperCaseUtf8Escape(string value, string expected)
    {
        Assert.Equal(expected, PercentEncoding.Encode(value));
    }

    [Fact]
    public void Encode_UnreservedCharacters_AreKept()
    {
        const string unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";

        Assert.Equal(unreserved, PercentEncoding.Encode(unreserved));
    }

    [Fact]
    public void Encode_EmptyString_IsEmpty()
    {
        Assert.Equal("", PercentEncoding.Encode(""));
    }

    [Fact]
    public void Encode_MixedValue_EscapesOnlyWhatMustBe()
    {
        Assert.Equal("Caf%C3%A9%20%22Ch%C3%A2teau%22%20a%2Bb%2Ac~d%20%E4%B8%AD%E6%96%87", PercentEncoding.Encode("Café \"Château\" a+b*c~d 中文"));
    }

    [Fact]
    public void Encode_Timestamp_EscapesColons()
    {
        Assert.Equal("2024-01-01T00%3A00%3A00Z", PercentEncoding.Encode("2024-01-01T00:00:00Z"));
    }
}
