using OpenSag.Api.Catalogue;

namespace OpenSag.Api.Actions;

/// <summary>The Smartag 2018-03-13 actions this server answers, registered explicitly in one place.</summary>
public static class SmartagActions
{
    public const string Version = "2018-03-13";

    public static ActionTable CreateTable()
    {
        var table = new ActionTable();
        foreach (var action in InstanceActions.All.Concat(ClientUserActions.All).Concat(SessionActions.All)
            .Concat(InstanceSizeActions.All).Concat(RegionActions.All))
        {
            table.Map(action with { Parameters = [.. action.Parameters, .. WireParameters.Owner] });
        }

        // The newer request models carry no Owner parameters (spec/smartag-api.md §1.0).
        foreach (var action in AccelerateActions.All.Concat(EnterpriseCodeActions.All))
        {
            table.Map(action);
        }

        return table;
    }
}
