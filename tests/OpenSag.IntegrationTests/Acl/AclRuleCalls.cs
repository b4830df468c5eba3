using System.Globalization;
using OpenSag.IntegrationTests.Gateway;

namespace OpenSag.IntegrationTests.Acl;

/// <summary>The ACL actions the enforcement tests drive, over the scenario's signed HTTP client (each must answer 200).</summary>
internal static class AclRuleCalls
{
    /// <summary>CreateACL of type <c>acl-software</c> (the one an SAG App instance takes), then AssociateACL; returns the AclId.</summary>
    public static async Task<string> CreateAssociatedAclAsync(this GatewayScenario scenario, string smartAgId, string name)
    {
        var created = await scenario.CallOkAsync("CreateACL", new() { ["Name"] = name, ["AclType"] = "acl-software" });
        var aclId = created.GetProperty("AclId").GetString()!;
        await scenario.CallOkAsync("AssociateACL", new() { ["AclId"] = aclId, ["SmartAGId"] = smartAgId });
        return aclId;
    }

    public static Task DisassociateAsync(this GatewayScenario scenario, string aclId, string smartAgId) =>
        scenario.CallOkAsync("DisassociateACL", new() { ["AclId"] = aclId, ["SmartAGId"] = smartAgId });

    /// <summary>AddACLRule; returns the AcrId.</summary>
    public static async Task<string> AddRuleAsync(this GatewayScenario scenario, string aclId, string direction, string policy, string protocol,
        string destCidr, string destPorts, int priority = 1, string sourceCidr = "0.0.0.0/0", string sourcePorts = "-1/-1")
    {
        var added = await scenario.CallOkAsync("AddACLRule", new()
        {
            ["AclId"] = aclId,
            ["Name"] = "rule" + Guid.NewGuid().ToString("N")[..8],
            ["Direction"] = direction,
            ["Policy"] = policy,
            ["IpProtocol"] = protocol,
            ["SourceCidr"] = sourceCidr,
            ["SourcePortRange"] = sourcePorts,
            ["DestCidr"] = destCidr,
            ["DestPortRange"] = destPorts,
            ["Priority"] = priority.ToString(CultureInfo.InvariantCulture),
        });
        return added.GetProperty("AcrId").GetString()!;
    }

    public static Task DeleteRuleAsync(this GatewayScenario scenario, string aclId, string acrId) =>
        scenario.CallOkAsync("DeleteACLRule", new() { ["AclId"] = aclId, ["AcrId"] = acrId });
}
