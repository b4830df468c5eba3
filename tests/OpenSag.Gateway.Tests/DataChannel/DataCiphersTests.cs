using OpenSag.Gateway.DataChannel;

namespace OpenSag.Gateway.Tests.DataChannel;

public sealed class DataCiphersTests
{
    [Theory]
    [InlineData(DataCipher.Aes256Gcm, "aes-256-gcm")]
    [InlineData(DataCipher.ChaCha20Poly1305, "chacha20-poly1305")]
    public void WireName_EachCipher_RoundTrips(DataCipher cipher, string wire)
    {
        Assert.Equal(wire, DataCiphers.WireName(cipher));
        Assert.True(DataCiphers.TryParse(wire, out var parsed));
        Assert.Equal(cipher, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("AES-256-GCM")]
    [InlineData("aes-128-gcm")]
    [InlineData("none")]
    public void TryParse_UnknownName_False(string? wire) => Assert.False(DataCiphers.TryParse(wire, out _));

    [Fact]
    public void WireName_UndefinedValue_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => DataCiphers.WireName((DataCipher)7));
}
