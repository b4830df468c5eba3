using OpenSag.Domain;

namespace OpenSag.Core.Tests;

public sealed class NameTextTests
{
    [Theory]
    [InlineData("web-servers_1.a", true)]
    [InlineData("中文acl", true)]
    [InlineData("\U00020BB7野家", true)] // 𠮷: CJK Extension B, a surrogate pair in UTF-16
    [InlineData("a\U00020000b", true)]
    [InlineData("é-acl", true)]
    [InlineData("1web", false)]
    [InlineData("-web", false)]
    [InlineData("web servers", false)]
    [InlineData("a\U0001F600", false)] // an emoji is a symbol, not a letter
    [InlineData("ab\uD842", false)] // an unpaired surrogate
    [InlineData("\uDFB7ab", false)]
    [InlineData("ａ１", false)] // a full-width digit is not 0–9
    [InlineData("", false)]
    public void IsLetterLedName_Value_AcceptsLettersOfEveryPlane(string value, bool expected) =>
        Assert.Equal(expected, NameText.IsLetterLedName(value));

    [Theory]
    [InlineData("\U00020BB7 office", true)]
    [InlineData("Office", true)]
    [InlineData("1 office", false)]
    [InlineData("\uD842", false)]
    [InlineData("", false)]
    public void StartsWithLetter_Value_ReadsAWholeSurrogatePair(string value, bool expected) =>
        Assert.Equal(expected, NameText.StartsWithLetter(value));
}
