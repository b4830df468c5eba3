using OpenSag.Api.Responses;

namespace OpenSag.Api.Tests.Responses;

/// <summary>The characters every answer format can carry (XML 1.0 §2.2, UTF-8).</summary>
public class WireTextTests
{
    [Theory]
    [InlineData("plain", -1)]
    [InlineData("tab\t lf\n cr\r", -1)]
    [InlineData("del \u007F and C1 \u0085", -1)]
    [InlineData("last BMP \uFFFD", -1)]
    [InlineData("\u0000", 0)]
    [InlineData("ok\u0001desc", 2)]
    [InlineData("esc \u001B", 4)]
    [InlineData("\uFFFE", 0)]
    [InlineData("x\uFFFF", 1)]
    public void IndexOfUnanswerable_Value_FirstUnitNoFormatCarries(string value, int expected)
    {
        Assert.Equal(expected, WireText.IndexOfUnanswerable(value));
    }

    [Fact]
    public void Answerable_NothingToReplace_SameInstance()
    {
        const string value = "café 😀\r\n";

        Assert.Same(value, WireText.Answerable(value));
    }

    [Theory]
    [InlineData("ok\u0001desc", "ok\uFFFDdesc")]
    [InlineData("\u0000\u0000", "\uFFFD\uFFFD")]
    [InlineData("\uFFFF\t\uFFFE", "\uFFFD\t\uFFFD")]
    public void Answerable_UnitsNoFormatCarries_EachReplacedByUfffd(string value, string expected)
    {
        Assert.Equal(expected, WireText.Answerable(value));
    }

    /// <summary>Lone surrogates are built here, not in InlineData, which xunit would re-encode on discovery.</summary>
    [Fact]
    public void IndexOfUnanswerable_Surrogates_OnlyUnpairedHalvesCount()
    {
        Assert.Equal(-1, WireText.IndexOfUnanswerable("pair \uD83D\uDE00 ok"));
        Assert.Equal(11, WireText.IndexOfUnanswerable("high alone \uD83D"));
        Assert.Equal(5, WireText.IndexOfUnanswerable("high \uD83Dx"));
        Assert.Equal(4, WireText.IndexOfUnanswerable("low \uDE00"));
        Assert.Equal(0, WireText.IndexOfUnanswerable("\uDE00\uD83D"));
    }

    [Fact]
    public void Answerable_UnpairedSurrogates_EachReplacedAndPairsKept()
    {
        Assert.Equal("a\uFFFDb\uFFFDc\uD83D\uDE00\uFFFD", WireText.Answerable("a\uD83Db\uDE00c\uD83D\uDE00\uD83D"));
    }
}
