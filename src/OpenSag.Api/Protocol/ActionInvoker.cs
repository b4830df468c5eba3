using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Errors;
using OpenSag.Services;

namespace OpenSag.Api.Protocol;

/// <summary>
/// Runs an action of the catalogue for a caller already authenticated: the one path that the API's
/// <see cref="RpcEndpoint"/> and the web console share, so a console form is bound by the same declared rules, reaches
/// the same domain services and is audited the same way as the API call it stands for (DESIGN.md §7).
/// </summary>
public sealed class ActionInvoker(ActionTable actions)
{
    /// <summary>The action by wire name.</summary>
    /// <exception cref="ApiException">InvalidAction.NotFound (404) for a name the catalogue does not hold.</exception>
    public ActionDefinition Find(string name) => actions.Find(name) ?? throw new ApiException(ErrorCatalogue.ActionNotFound);

    /// <summary>Runs <paramref name="action"/> with arguments already bound.</summary>
    /// <exception cref="ApiException">The handler's refusal, with its catalogue code and status.</exception>
    public Task<ResponseBody> InvokeAsync(ActionDefinition action, ActionArguments arguments, Caller caller, CancellationToken cancellationToken) =>
        actions.Handler(action)(new ActionContext(arguments, caller), cancellationToken);

    /// <summary>Binds <paramref name="parameters"/> (wire name → value) to the named action and runs it.</summary>
    /// <exception cref="ApiException">Unknown action, a parameter that breaks its rule, or the handler's refusal.</exception>
    public Task<ResponseBody> InvokeAsync(string actionName, IReadOnlyDictionary<string, string> parameters, Caller caller, CancellationToken cancellationToken)
    {
        var action = Find(actionName);
        return InvokeAsync(action, ActionArguments.Bind(action, parameters), caller, cancellationToken);
    }
}
