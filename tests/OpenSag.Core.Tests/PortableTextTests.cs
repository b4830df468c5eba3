using OpenSag.Domain;

namespace OpenSag.Core.Tests;

/// <summary>The characters every store and answer format can hold (XML 1.0 §2.2, UTF-8, PostgreSQL text).</summary>
public sealed class PortableTextTests
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
    public void IndexOfUnportable_Value_FirstUnitNoFormatCarries(string value, int expected)
    {
        Assert.Equal(expected, PortableText.IndexOfUnportable(value));
    }

    [Fact]
    public void Portable_NothingToReplace_SameInstance()
    {
        const string value = "café 😀\r\n";

        Assert.Same(value, PortableText.Portable(value));
    }

    [Theory]
    [InlineData("ok\u0001desc", "ok\uFFFDdesc")]
    [InlineData("\u0000\u0000", "\uFFFD\uFFFD")]
    [InlineData("\uFFFF\t\uFFFE", "\uFFFD\t\uFFFD")]
    public void Portable_UnitsNoFormatCarries_EachReplacedByUfffd(string value, string expected)
    {
        Assert.Equal(expected, PortableText.Portable(value));
    }

    /// <summary>Lone surrogates are built here, not in InlineData, which xunit would re-encode on discovery.</summary>
    [Fact]
    public void IndexOfUnportable_Surrogates_OnlyUnpairedHalvesCount()
    {
        Assert.Equal(-1, PortableText.IndexOfUnportable("pair \uD83D\uDE00 ok"));
        Assert.Equal(11, PortableText.IndexOfUnportable("high alone \uD83D"));
        Assert.Equal(5, PortableText.IndexOfUnportable("high \uD83Dx"));
        Assert.Equal(4, PortableText.IndexOfUnportable("low \uDE00"));
        Assert.Equal(0, PortableText.IndexOfUnportable("\uDE00\uD83D"));
    }

    [Fact]
    public void Portable_UnpairedSurrogates_EachReplacedAndPairsKept()
    {
        Assert.Equal("a\uFFFDb\uFFFDc\uD83D\uDE00\uFFFD", PortableText.Portable("a\uD83Db\uDE00c\uD83D\uDE00\uD83D"));
    }
}
