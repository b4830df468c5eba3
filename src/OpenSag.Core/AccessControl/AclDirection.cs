namespace OpenSag.AccessControl;

/// <summary>
/// Which way a packet goes relative to the SAG App client (spec/smartag-acl-and-more.md §1.1 "Direction", DESIGN.md §6):
/// a rule's <c>Direction</c> <c>out</c> or <c>in</c>, any letter case.
/// </summary>
public enum AclDirection
{
    /// <summary><c>out</c>: from the client into the network (the source is the client's ClientIp).</summary>
    Out,

    /// <summary><c>in</c>: from the network to the client (the destination is the client's ClientIp).</summary>
    In,
}

/// <summary>Parses a rule's <c>Direction</c> and <c>Policy</c> texts.</summary>
public static class AclRuleText
{
    /// <summary><c>in</c> or <c>out</c>, any letter case; false for anything else.</summary>
    public static bool TryParseDirection(string? text, out AclDirection direction)
    {
        direction = AclDirection.Out;
        if (string.Equals(text, "out", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        direction = AclDirection.In;
        return string.Equals(text, "in", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary><c>accept</c> (<paramref name="drops"/> false) or <c>drop</c> (true), any letter case; false for anything else.</summary>
    public static bool TryParsePolicy(string? text, out bool drops)
    {
        drops = string.Equals(text, "drop", StringComparison.OrdinalIgnoreCase);
        return drops || string.Equals(text, "accept", StringComparison.OrdinalIgnoreCase);
    }
}
