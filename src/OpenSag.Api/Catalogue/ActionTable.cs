namespace OpenSag.Api.Catalogue;

/// <summary>
/// The actions this server answers, registered explicitly at start, looked up by exact wire name. A table built with
/// services (<see cref="Bind"/>) also holds each action's handler, made once from those services; one without is
/// the catalogue alone (the CLI's help, the generated docs).
/// </summary>
public sealed class ActionTable
{
    private readonly Dictionary<string, ActionDefinition> _actions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActionHandler> _handlers = new(StringComparer.Ordinal);

    public IEnumerable<ActionDefinition> All => _actions.Values.OrderBy(a => a.Name, StringComparer.Ordinal);

    public ActionTable Map(ActionDefinition action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (!_actions.TryAdd(action.Name, action))
        {
            throw new InvalidOperationException($"Action {action.Name} is registered twice.");
        }

        return this;
    }

    /// <summary>Makes every action's handler from <paramref name="services"/> (a missing service fails here, at start, not on a call).</summary>
    public ActionTable Bind(IServiceProvider services)
    {
        foreach (var action in _actions.Values)
        {
            _handlers[action.Name] = action.CreateHandler(services);
        }

        return this;
    }

    public ActionDefinition? Find(string name) => _actions.GetValueOrDefault(name);

    /// <summary>The handler bound for <paramref name="action"/>.</summary>
    /// <exception cref="InvalidOperationException">The table was built without services (<see cref="Bind"/> not called).</exception>
    public ActionHandler Handler(ActionDefinition action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return _handlers.TryGetValue(action.Name, out var handler)
            ? handler
            : throw new InvalidOperationException($"Action {action.Name} has no handler: the table was built without services.");
    }
}
