using System.Security.Cryptography;
using System.Text;
using OpenSag.Gateway.Security;

namespace OpenSag.Gateway.Tests;

public sealed class SessionTokensTests
{
    private static readonly SessionClaims Claims = new("5f0c", "sag-abc", "user.name@x", 7, "0a1b2c", DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), "c3RhbXA");

    [Fact]
    public void SessionTokens_IssuedToken_ReadsBackTheSameClaims()
    {
        var tokens = new SessionTokens(new byte[32]);

        Assert.Equal(TokenRead.Valid, tokens.TryRead(tokens.Issue(Claims), out var read));
        Assert.Equal(Claims, read);
    }

    [Theory]
    [InlineData(4, "8")]
    [InlineData(6, "1900000000")]
    [InlineData(7, "b3RoZXI")]
    public void SessionTokens_TamperedGenerationExpiryOrStamp_Invalid(int part, string value)
    {
        var tokens = new SessionTokens(new byte[32]);
        var parts = tokens.Issue(Claims).Split('.');
        parts[part] = value;

        Assert.Equal(TokenRead.Invalid, tokens.TryRead(string.Join('.', parts), out _));
    }

    [Fact]
    public void SessionTokens_OtherKey_Invalid()
    {
        var token = new SessionTokens(new byte[32]).Issue(Claims);
        var otherKey = new byte[32];
        otherKey[0] = 1;

        Assert.Equal(TokenRead.Invalid, new SessionTokens(otherKey).TryRead(token, out _));
    }

    [Fact]
    public void SessionTokens_FirstFormatTokenOfThisKey_Outdated()
    {
        // sessionId.smartAgId.userName.generation + MAC: what gateways issued before tokens had a lifetime. A client
        // holding one after an upgrade must be sent to a password login, not told it was kicked.
        const string body = "NWYwYw.c2FnLWFiYw.YWxpY2UwMQ.7";
        var mac = Convert.ToBase64String(HMACSHA256.HashData(new byte[32], Encoding.UTF8.GetBytes(body))).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.Equal(TokenRead.Outdated, new SessionTokens(new byte[32]).TryRead(body + "." + mac, out _));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("a.b.c.d.!!!")]
    public void SessionTokens_Garbage_Invalid(string token) => Assert.Equal(TokenRead.Invalid, new SessionTokens(new byte[32]).TryRead(token, out _));

    [Fact]
    public void StampOf_SamePasswordHashedAgain_Differs()
    {
        var tokens = new SessionTokens(new byte[32]);

        Assert.Equal(tokens.StampOf("pbkdf2-sha512$1$c2FsdDE=$aGFzaA=="), tokens.StampOf("pbkdf2-sha512$1$c2FsdDE=$aGFzaA=="));
        Assert.NotEqual(tokens.StampOf("pbkdf2-sha512$1$c2FsdDE=$aGFzaA=="), tokens.StampOf("pbkdf2-sha512$1$c2FsdDI=$aGFzaA=="));
    }

    [Fact]
    public void RevokedLogins_RevokedThenReopened_StillRevokedUntilExpiry()
    {
        var folder = Directory.CreateTempSubdirectory("opensag-revoked-");
        try
        {
            var path = Path.Combine(folder.FullName, RevokedLogins.FileName);
            var expires = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
            RevokedLogins.Open(path).Revoke("0a1b2c", expires);

            // A restart: a fresh instance reads what the last one wrote.
            var reopened = RevokedLogins.Open(path);
            Assert.True(reopened.IsRevoked("0a1b2c"));
            Assert.False(reopened.IsRevoked("ffffff"));

            reopened.Evict(expires - TimeSpan.FromSeconds(1));
            Assert.True(reopened.IsRevoked("0a1b2c"));
            reopened.Evict(expires);
            Assert.False(reopened.IsRevoked("0a1b2c"));
            Assert.Equal(0, reopened.Count);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void RevokedLogins_MostLinesExpired_FileRewrittenWithTheLiveOnes()
    {
        var folder = Directory.CreateTempSubdirectory("opensag-revoked-");
        try
        {
            var path = Path.Combine(folder.FullName, RevokedLogins.FileName);
            var revoked = RevokedLogins.Open(path);
            var early = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
            for (var i = 0; i < 2000; i++)
            {
                revoked.Revoke("dead" + i, early);
            }

            revoked.Revoke("alive", early + TimeSpan.FromHours(1));
            revoked.Evict(early);

            Assert.Equal(["alive " + (early + TimeSpan.FromHours(1)).ToUnixTimeSeconds()], File.ReadAllLines(path));
            Assert.True(RevokedLogins.Open(path).IsRevoked("alive"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
