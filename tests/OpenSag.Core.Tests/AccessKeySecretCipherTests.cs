using System.Security.Cryptography;
using OpenSag.Security;

namespace OpenSag.Core.Tests;

public sealed class AccessKeySecretCipherTests
{
    private static readonly AccessKeySecretCipher Cipher = new(RandomNumberGenerator.GetBytes(AccessKeySecretCipher.KeyBytes));

    [Fact]
    public void Open_WhatSealReturned_GivesTheSecretBack()
    {
        var stored = Cipher.Seal("LTAIkey1", "s3cret-Ω");

        Assert.Equal("s3cret-Ω", Cipher.Open("LTAIkey1", stored));
        Assert.StartsWith($"aes256gcm${Cipher.KeyId}$", stored, StringComparison.Ordinal);
        Assert.True(AccessKeySecretCipher.IsSealed(stored));
    }

    [Fact]
    public void Seal_SameSecretTwice_DifferentValues() =>
        Assert.NotEqual(Cipher.Seal("LTAIkey1", "secret"), Cipher.Seal("LTAIkey1", "secret"));

    [Fact]
    public void Open_ValueSealedForAnotherAccessKey_ThrowsUnreadableSecret()
    {
        var stored = Cipher.Seal("LTAIkey1", "secret");

        var refusal = Assert.Throws<UnreadableSecretException>(() => Cipher.Open("LTAIkey2", stored));

        Assert.Equal("LTAIkey2", refusal.AccessKeyId);
    }

    [Fact]
    public void Open_ValueSealedWithAnotherKey_ThrowsNamingBothKeyIds()
    {
        var other = new AccessKeySecretCipher(RandomNumberGenerator.GetBytes(AccessKeySecretCipher.KeyBytes));

        var refusal = Assert.Throws<UnreadableSecretException>(() => Cipher.Open("LTAIkey1", other.Seal("LTAIkey1", "secret")));

        Assert.Contains(other.KeyId, refusal.Message, StringComparison.Ordinal);
        Assert.Contains(Cipher.KeyId, refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_AlteredCiphertext_ThrowsUnreadableSecret()
    {
        var stored = Cipher.Seal("LTAIkey1", "secret");
        var bytes = Convert.FromBase64String(stored.Split('$')[2]);
        bytes[^1] ^= 1;

        Assert.Throws<UnreadableSecretException>(() => Cipher.Open("LTAIkey1", $"aes256gcm${Cipher.KeyId}${Convert.ToBase64String(bytes)}"));
    }

    [Theory]
    [InlineData("plain-secret")]
    [InlineData("aes256gcm$")]
    [InlineData("aes256gcm$00000000$AAAA")]
    [InlineData("aes256gcm$x$y$z")]
    public void Open_NotASealedValueOfThisKey_ThrowsUnreadableSecret(string stored) =>
        Assert.Throws<UnreadableSecretException>(() => Cipher.Open("LTAIkey1", stored));

    [Fact]
    public void Open_TruncatedValueOfThisKey_ThrowsUnreadableSecret() =>
        Assert.Throws<UnreadableSecretException>(() => Cipher.Open("LTAIkey1", $"aes256gcm${Cipher.KeyId}$AAAA"));

    [Fact]
    public void KeyId_SameKeyBytes_SameId()
    {
        var key = RandomNumberGenerator.GetBytes(AccessKeySecretCipher.KeyBytes);

        Assert.Equal(new AccessKeySecretCipher(key).KeyId, new AccessKeySecretCipher(key).KeyId);
        Assert.Matches("^[0-9a-f]{8}$", new AccessKeySecretCipher(key).KeyId);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16)]
    [InlineData(33)]
    public void Constructor_KeyOfWrongLength_Throws(int length) =>
        Assert.Throws<ArgumentException>(() => new AccessKeySecretCipher(new byte[length]));
}
