using OpenSag.Security;

namespace OpenSag.Core.Tests;

public sealed class PasswordHashTests
{
    [Fact]
    public void Verify_RightPassword_True()
    {
        var stored = PasswordHash.Create("Passw0rd_1", iterations: 1000);

        Assert.True(PasswordHash.Verify("Passw0rd_1", stored));
        Assert.StartsWith("pbkdf2-sha512$1000$", stored, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_WrongPassword_False() =>
        Assert.False(PasswordHash.Verify("Passw0rd_2", PasswordHash.Create("Passw0rd_1", iterations: 1000)));

    [Fact]
    public void Create_SamePasswordTwice_DifferentSalts() =>
        Assert.NotEqual(PasswordHash.Create("Passw0rd_1", iterations: 1000), PasswordHash.Create("Passw0rd_1", iterations: 1000));

    [Fact]
    public void Create_Default_UsesTheConfiguredCost() =>
        Assert.StartsWith($"pbkdf2-sha512${PasswordHash.DefaultIterations}$", PasswordHash.Create("x"), StringComparison.Ordinal);

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("pbkdf2-sha512$0$AAAA$AAAA")]
    [InlineData("pbkdf2-sha512$1000$not-base64$AAAA")]
    [InlineData("md5$1000$AAAA$AAAA")]
    public void Verify_MalformedStoredValue_False(string stored) => Assert.False(PasswordHash.Verify("anything", stored));

    [Fact]
    public void Decoy_NoPasswordMatchesIt() => Assert.False(PasswordHash.Verify("", PasswordHash.Decoy));
}
