using OpenSag.Domain;
using OpenSag.WebConsole.SignIn;

namespace OpenSag.WebConsole.Tests;

public sealed class AccessKeyCheckTests
{
    private static readonly DateTimeOffset Created = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task IsValid_RightPair_True()
    {
        var check = new AccessKeyCheck(new Keys(new AccessKey("LTAIright", "the-secret", true, Created)));

        Assert.True(await check.IsValidAsync("LTAIright", "the-secret", CancellationToken.None));
    }

    [Theory]
    [InlineData("LTAIright", "the-secreT")]
    [InlineData("LTAIright", "the-secret ")]
    [InlineData("LTAIright", "")]
    [InlineData("LTAIunknown", "the-secret")]
    [InlineData("", "")]
    public async Task IsValid_WrongPair_False(string id, string secret)
    {
        var check = new AccessKeyCheck(new Keys(new AccessKey("LTAIright", "the-secret", true, Created)));

        Assert.False(await check.IsValidAsync(id, secret, CancellationToken.None));
    }

    [Fact]
    public async Task IsValid_DisabledKeyWithItsSecret_False()
    {
        var check = new AccessKeyCheck(new Keys(new AccessKey("LTAIoff", "the-secret", false, Created)));

        Assert.False(await check.IsValidAsync("LTAIoff", "the-secret", CancellationToken.None));
        Assert.False(await check.IsEnabledAsync("LTAIoff", CancellationToken.None));
    }

    /// <summary>PostgreSQL refuses a NUL in the query itself: such an id must be "wrong", not a 500.</summary>
    [Theory]
    [InlineData("LTAI\0nul")]
    [InlineData("LTAI\uFFFF")]
    public async Task IsValid_IdNoStoreCanHold_FalseWithoutALookup(string id)
    {
        var keys = new Keys(new AccessKey("LTAIright", "the-secret", true, Created));
        var check = new AccessKeyCheck(keys);

        Assert.False(await check.IsValidAsync(id, "the-secret", CancellationToken.None));
        Assert.False(await check.IsEnabledAsync(id, CancellationToken.None));
        Assert.Equal(0, keys.Lookups);
    }

    [Fact]
    public async Task IsValid_SecretLongerThanTheLimit_False()
    {
        var secret = new string('s', AccessKeyCheck.MaxLength + 1);
        var check = new AccessKeyCheck(new Keys(new AccessKey("LTAIlong", secret, true, Created)));

        Assert.False(await check.IsValidAsync("LTAIlong", secret, CancellationToken.None));
    }
}
