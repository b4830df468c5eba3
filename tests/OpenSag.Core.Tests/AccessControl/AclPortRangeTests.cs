using OpenSag.AccessControl;

namespace OpenSag.Core.Tests.AccessControl;

public sealed class AclPortRangeTests
{
    [Theory]
    [InlineData("1/200", 1, 200)]
    [InlineData("80/80", 80, 80)]
    [InlineData("1/65535", 1, 65535)]
    [InlineData("65535/65535", 65535, 65535)]
    [InlineData("-1/-1", 1, 65535)]
    public void TryParse_WellFormedRange_ReadsItsBounds(string text, int first, int last)
    {
        Assert.True(AclPortRange.TryParse(text, out var range));
        Assert.Equal(first, range.First);
        Assert.Equal(last, range.Last);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("80")]
    [InlineData("80/")]
    [InlineData("/80")]
    [InlineData("0/80")]
    [InlineData("80/0")]
    [InlineData("1/65536")]
    [InlineData("100/99")]
    [InlineData("-1/80")]
    [InlineData("80/-1")]
    [InlineData("-1")]
    [InlineData("-1/-2")]
    [InlineData("+1/80")]
    [InlineData(" 1/80")]
    [InlineData("1/80 ")]
    [InlineData("1/2/3")]
    [InlineData("a/b")]
    [InlineData("999999/999999")]
    [InlineData("1-80")]
    public void TryParse_Malformed_Refused(string? text) => Assert.False(AclPortRange.TryParse(text, out _));

    [Theory]
    [InlineData("-1/-1", true)]
    [InlineData("1/65535", true)]
    [InlineData("1/65534", false)]
    [InlineData("2/65535", false)]
    [InlineData("80/80", false)]
    public void IsAllPorts_OnlyTheWholeRange(string text, bool allPorts)
    {
        Assert.True(AclPortRange.TryParse(text, out var range));
        Assert.Equal(allPorts, range.IsAllPorts);
    }

    [Theory]
    [InlineData("80/90", 79, false)]
    [InlineData("80/90", 80, true)]
    [InlineData("80/90", 90, true)]
    [InlineData("80/90", 91, false)]
    [InlineData("80/90", 0, false)]
    [InlineData("-1/-1", 0, true)]
    [InlineData("-1/-1", 65535, true)]
    public void Contains_BoundsInclusive(string text, int port, bool contained)
    {
        Assert.True(AclPortRange.TryParse(text, out var range));
        Assert.Equal(contained, range.Contains(port));
    }

    [Fact]
    public void Default_ContainsNothing() => Assert.False(default(AclPortRange).Contains(80));
}
