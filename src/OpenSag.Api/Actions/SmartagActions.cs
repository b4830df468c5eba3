using OpenSag.Api.Catalogue;

namespace OpenSag.Api.Actions;

/// <summary>The Smartag 2018-03-13 actions this server answers, registered explicitly in one place (one line per area).</summary>
public static class SmartagActions
{
    public const string Version = "2018-03-13";

    /// <summary>Every action of every area, as declared (each area class lists its own).</summary>
    private static IEnumerable<ActionDefinition> Declared =>
    [
        .. InstanceActions.All,
        .. ClientUserActions.All,
        .. SessionActions.All,
        .. AclActions.All,
        .. InstanceSizeActions.All,
        .. RegionActions.All,
    ];

    /// <summary>The actions whose request models carry no Owner parameters (the newer ones, spec/smartag-api.md §1.0).</summary>
    private static IEnumerable<ActionDefinition> DeclaredWithoutOwner =>
    [
        .. AccelerateActions.All,
        .. EnterpriseCodeActions.All,
    ];

    /// <summary>The catalogue alone, without handlers: the CLI's help, the generated docs, validation tests.</summary>
    public static ActionTable CreateTable()
    {
        var table = new ActionTable();
        foreach (var action in Declared)
        {
            table.Map(action with { Parameters = [.. action.Parameters, .. WireParameters.Owner] });
        }

        foreach (var action in DeclaredWithoutOwner)
        {
            table.Map(action);
        }

        return table;
    }

    /// <summary>The catalogue with every handler made from <paramref name="services"/>, once, here (not looked up per call).</summary>
    public static ActionTable CreateTable(IServiceProvider services) => CreateTable().Bind(services);
}
