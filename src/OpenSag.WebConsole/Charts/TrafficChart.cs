using System.Globalization;
using System.Net;
using System.Text;
using OpenSag.Domain;
using OpenSag.WebConsole.Pages;

namespace OpenSag.WebConsole.Charts;

/// <summary>
/// A month's traffic per user as an SVG bar chart, drawn on the server (no script, nothing loaded from elsewhere): one
/// row per user, a bar for the bytes from the client (towards the network) over a bar for the bytes back to it, on a
/// shared linear scale with gridlines at quarters of the largest value. Colours come from the style sheet's classes.
/// </summary>
public static class TrafficChart
{
    private const int LabelWidth = 170;
    private const int PlotWidth = 560;
    private const int ValueWidth = 110;
    private const int RowHeight = 30;
    private const int BarHeight = 11;
    private const int Top = 24;
    private const int Bottom = 8;

    /// <summary>The chart's SVG markup (every text escaped); <paramref name="totals"/> in the order to draw.</summary>
    public static string Render(IReadOnlyList<FlowTotal> totals, string month)
    {
        ArgumentNullException.ThrowIfNull(totals);
        ArgumentNullException.ThrowIfNull(month);
        var width = LabelWidth + PlotWidth + ValueWidth;
        var height = Top + (totals.Count * RowHeight) + Bottom;
        var max = Math.Max(1, totals.Select(t => Math.Max(t.BytesIn, t.BytesOut)).DefaultIfEmpty(0).Max());
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-test=\"traffic-chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"traffic-chart-title\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title id=\"traffic-chart-title\">Traffic per user in {Escape(month)}: bytes from the client and to the client</title>");
        for (var quarter = 0; quarter <= 4; quarter++)
        {
            var x = LabelWidth + (PlotWidth * quarter / 4);
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"{(quarter == 0 ? "axis" : "grid")}\" x1=\"{x}\" y1=\"{Top - 6}\" x2=\"{x}\" y2=\"{height - Bottom}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x}\" y=\"{Top - 10}\" text-anchor=\"middle\">{Escape(Units.Bytes(max * quarter / 4))}</text>");
        }

        for (var i = 0; i < totals.Count; i++)
        {
            var total = totals[i];
            var y = Top + (i * RowHeight);
            svg.Append(CultureInfo.InvariantCulture, $"<g data-user=\"{Escape(total.UserName)}\">");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth - 8}\" y=\"{y + BarHeight + 4}\" text-anchor=\"end\">{Escape(total.UserName)}</text>");
            Bar(svg, "bar-in", y + 3, total.BytesIn, max, "from the client");
            Bar(svg, "bar-out", y + 3 + BarHeight + 1, total.BytesOut, max, "to the client");
            svg.Append("</g>");
        }

        svg.Append("</svg>");
        return svg.ToString();
    }

    private static void Bar(StringBuilder svg, string kind, int y, long bytes, long max, string what)
    {
        // At least a pixel for any traffic at all, so a small user is not drawn as none.
        var length = bytes == 0 ? 0 : Math.Max(1, (int)(PlotWidth * (double)bytes / max));
        svg.Append(CultureInfo.InvariantCulture, $"<rect class=\"{kind}\" x=\"{LabelWidth}\" y=\"{y}\" width=\"{length}\" height=\"{BarHeight}\"><title>{Escape(Units.Bytes(bytes))} {what}</title></rect>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{LabelWidth + length + 4}\" y=\"{y + BarHeight - 1}\">{Escape(Units.Bytes(bytes))}</text>");
    }

    private static string Escape(string text) => WebUtility.HtmlEncode(text);
}
