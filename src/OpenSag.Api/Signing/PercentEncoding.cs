using System.Text;

namespace OpenSag.Api.Signing;

/// <summary>
/// RFC 3986 encoding as both Alibaba Cloud signature schemes define it (spec/smartag-api.md §2.2 step 3): UTF-8
/// bytes, <c>A–Z a–z 0–9 - _ . ~</c> kept, everything else <c>%XY</c> with upper-case hex (so space is <c>%20</c>,
/// <c>*</c> is <c>%2A</c>).
/// </summary>
public static class PercentEncoding
{
    public static string Encode(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var builder = new StringBuilder(bytes.Length * 3 / 2);
        foreach (var b in bytes)
        {
            if (IsUnreserved(b))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(HexDigits[b >> 4]).Append(HexDigits[b & 0xF]);
            }
        }

        return builder.ToString();
    }

    private const string HexDigits = "0123456789ABCDEF";

    private static bool IsUnreserved(byte b) =>
        b is (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'0' and <= (byte)'9')
            or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~';
}
