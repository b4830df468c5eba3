using System.Globalization;
using System.Text.RegularExpressions;
using OpenSag.Domain;
using OpenSag.WebConsole.Charts;
using OpenSag.WebConsole.Pages;

namespace OpenSag.WebConsole.Tests;

public sealed partial class TrafficChartTests
{
    [Fact]
    public void Render_TwoUsers_BarsProportionalOnOneScale()
    {
        var svg = TrafficChart.Render([new("sag-1", "big.user", "202611", 4096, 2048), new("sag-1", "small.user", "202611", 1024, 0)], "202611");

        var widths = Bars().Matches(svg).Select(m => (m.Groups["kind"].Value, int.Parse(m.Groups["width"].Value, CultureInfo.InvariantCulture))).ToList();
        Assert.Equal([("bar-in", 560), ("bar-out", 280), ("bar-in", 140), ("bar-out", 0)], widths);
        Assert.Contains("data-test=\"traffic-chart\"", svg, StringComparison.Ordinal);
        Assert.Contains("4.00 KiB", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_NameWithMarkup_Escaped()
    {
        var svg = TrafficChart.Render([new("sag-1", "<script>\"x\"&", "202611", 1, 1)], "2026<11");

        Assert.DoesNotContain("<script>", svg, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;&quot;x&quot;&amp;", svg, StringComparison.Ordinal);
        Assert.Contains("2026&lt;11", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_OneByteBesideAGigabyte_StillVisible()
    {
        var svg = TrafficChart.Render([new("sag-1", "big.user", "202611", 1L << 30, 0), new("sag-1", "tiny.user", "202611", 1, 0)], "202611");

        Assert.Contains(Bars().Matches(svg), m => m.Groups["width"].Value == "1");
    }

    [Theory]
    [InlineData(0L, "0 B")]
    [InlineData(1023L, "1023 B")]
    [InlineData(1536L, "1.50 KiB")]
    [InlineData(12_900_000L, "12.3 MiB")]
    [InlineData(long.MaxValue, "8.00 EiB")]
    public void Bytes_Counts_BinaryUnitsThreeDigits(long bytes, string expected) => Assert.Equal(expected, Units.Bytes(bytes));

    [GeneratedRegex("<rect class=\"(?<kind>bar-in|bar-out)\" x=\"\\d+\" y=\"\\d+\" width=\"(?<width>\\d+)\"")]
    private static partial Regex Bars();
}
