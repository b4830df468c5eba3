namespace OpenSag.Domain;

/// <summary>
/// One rule (ACR) of an ACL, every field exactly as AddACLRule/ModifyACLRule sent it: no letter case or port range is
/// normalised, or Terraform would show a diff forever (spec/smartag-acl-and-more.md §1.2, §1.15). The gateway
/// compiles these strings into a matcher (<c>OpenSag.AccessControl.AclRuleSet</c>); the API refuses any it could not compile.
/// </summary>
public sealed record AclRule
{
    public required string AclId { get; init; }
    public required string AcrId { get; init; }
    public string Name { get; init; } = "";
    /// <summary>Empty when never set: DescribeACLAttribute then omits the field (§1.10).</summary>
    public string Description { get; init; } = "";
    /// <summary><c>in</c> (to the client) or <c>out</c> (from the client), as sent.</summary>
    public required string Direction { get; init; }
    /// <summary><c>accept</c> or <c>drop</c>, as sent.</summary>
    public required string Policy { get; init; }
    /// <summary>Protocol name, any letter case, as sent (e.g. <c>TCP</c>, <c>udp</c>, <c>ALL</c>).</summary>
    public required string IpProtocol { get; init; }
    public required string SourceCidr { get; init; }
    /// <summary><c>start/end</c>, 1–65535, or <c>-1/-1</c> for every port; as sent.</summary>
    public required string SourcePortRange { get; init; }
    public required string DestCidr { get; init; }
    public required string DestPortRange { get; init; }
    /// <summary>1–100; 1 is evaluated first.</summary>
    public required int Priority { get; init; }
    /// <summary><c>LAN</c> (default) or <c>WAN</c>; stored and echoed, not used by SAG App matching (§1.1 "Type").</summary>
    public string Type { get; init; } = "LAN";
    public required DateTimeOffset CreatedAt { get; init; }
    public IReadOnlyList<string> DpiGroupIds { get; init; } = [];
    public IReadOnlyList<string> DpiSignatureIds { get; init; } = [];
}
