namespace OpenSag.Api.Catalogue;

/// <summary>The actions this server answers, registered explicitly at start, looked up by exact wire name.</summary>
public sealed class ActionTable
{
    private readonly Dictionary<string, ActionDefinition> _actions = new(StringComparer.Ordinal);

    public IEnumerable<ActionDefinition> All => _actions.Values.OrderBy(a => a.Name, StringComparer.Ordinal);

    public ActionTable Map(ActionDefinition action)
    {
        if (!_actions.TryAdd(action.Name, action))
        {
            throw new InvalidOperationException($"Action {action.Name} is registered twice.");
        }

        return this;
    }

    public ActionDefinition? Find(string name) => _actions.GetValueOrDefault(name);
}
