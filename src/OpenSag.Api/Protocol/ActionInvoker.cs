using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;

namespace OpenSag.Api.Protocol;

/// <summary>
/// Runs an action of the catalogue for a caller already authenticated: the one path that the API's
/// <see cref="RpcEndpoint"/> and the web console share, so a console form is bound by the same declared rules, reaches
/// the same domain services and is audited the same way as the API call it stands for (DESIGN.md §7).
/// </summary>
/// <remarks>
/// Audit: every action that changes something (<see cref="IsChange"/>) is recorded here and nowhere else, once per
/// call: success, or the error code it was refused with (when binding its parameters too). A failure to record is
/// logged by <see cref="AuditLog"/> and never turns the answer of a committed change into an error. The record is
/// written with no cancellation: the change it describes happened even if the caller has gone away since.
/// </remarks>
public sealed class ActionInvoker(ActionTable actions, AuditLog audit)
{
    /// <summary>
    /// Parameters naming what a call acts on beyond its instance, most specific first: the first one sent is the
    /// entry's <see cref="AuditEntry.Target"/> (a session, an ACL rule, an ACL, a user, an enterprise code).
    /// </summary>
    private static readonly string[] TargetParameters = ["SessionId", "AcrId", "AclId", "UserName", "Username", "EnterpriseCode"];

    /// <summary>Bound on a value copied from a request that binding refused (a well-formed id or name is far shorter).</summary>
    private const int RawValueLimit = 128;

    /// <summary>The table the invoker runs actions of.</summary>
    public ActionTable Actions => actions;

    /// <summary>The action by wire name.</summary>
    /// <exception cref="ApiException">InvalidAction.NotFound (404) for a name the catalogue does not hold.</exception>
    public ActionDefinition Find(string name) => actions.Find(name) ?? throw new ApiException(ErrorCatalogue.ActionNotFound);

    /// <summary>
    /// Whether <paramref name="action"/> changes something and is therefore audited: every action whose name does not
    /// start with <c>Describe</c>, <c>List</c> or <c>Query</c> (the cloud's naming of reads).
    /// </summary>
    public static bool IsChange(ActionDefinition action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return !action.Name.StartsWith("Describe", StringComparison.Ordinal)
            && !action.Name.StartsWith("List", StringComparison.Ordinal)
            && !action.Name.StartsWith("Query", StringComparison.Ordinal);
    }

    /// <summary>
    /// <see cref="ActionArguments.Bind(ActionDefinition, IReadOnlyDictionary{string, string})"/>, auditing a refusal of
    /// a changing action (with the instance and target as sent, made portable and bounded).
    /// </summary>
    /// <exception cref="ApiException">A parameter is missing or breaks its declared rule.</exception>
    public async Task<ActionArguments> BindAsync(ActionDefinition action, IReadOnlyDictionary<string, string> parameters, Caller caller)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(parameters);
        try
        {
            return ActionArguments.Bind(action, parameters);
        }
        catch (ApiException e) when (IsChange(action))
        {
            string Raw(string name) => parameters.GetValueOrDefault(name) is { } value ? Bounded(PortableText.Portable(value)) : "";
            var target = TargetParameters.Select(Raw).FirstOrDefault(v => v.Length > 0) ?? "";
            await audit.RecordAsync(caller, action.Name, Raw("RegionId"), Raw("SmartAGId"), target, e.Error.Code, e.Error.Message, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Runs <paramref name="action"/> with arguments already bound, auditing it if it changes something.</summary>
    /// <exception cref="ApiException">The handler's refusal, with its catalogue code and status.</exception>
    public async Task<ResponseBody> InvokeAsync(ActionDefinition action, ActionArguments arguments, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentNullException.ThrowIfNull(arguments);
        var handler = actions.Handler(action);
        if (!IsChange(action))
        {
            return await handler(new ActionContext(arguments, caller), cancellationToken);
        }

        ResponseBody body;
        try
        {
            body = await handler(new ActionContext(arguments, caller), cancellationToken);
        }
        catch (ApiException e)
        {
            await RecordAsync(action, arguments, caller, e.Error.Code, e.Error.Message);
            throw;
        }
        catch (OperationCanceledException)
        {
            // The caller went away (or the server is stopping) part-way: what was committed before stays committed, so
            // the call is recorded like any other, or a change could escape the audit by hanging up.
            await RecordAsync(action, arguments, caller, ApiMetrics.Abandoned, "The call was cancelled part-way; the change may or may not have happened.");
            throw;
        }
        catch (Exception e)
        {
            // Our fault or an unreachable store: the change may or may not have happened, which is worth a line too.
            var code = StoreUnavailable.IsCause(e) ? ErrorCatalogue.ServiceUnavailable.Code : ErrorCatalogue.InternalError.Code;
            await RecordAsync(action, arguments, caller, code, e.GetType().Name);
            throw;
        }

        await RecordAsync(action, arguments, caller, AuditEntry.Success, "", body);
        return body;
    }

    /// <summary>Binds <paramref name="parameters"/> (wire name → value) to the named action and runs it.</summary>
    /// <exception cref="ApiException">Unknown action, a parameter that breaks its rule, or the handler's refusal.</exception>
    public async Task<ResponseBody> InvokeAsync(string actionName, IReadOnlyDictionary<string, string> parameters, Caller caller, CancellationToken cancellationToken)
    {
        var action = Find(actionName);
        return await InvokeAsync(action, await BindAsync(action, parameters, caller), caller, cancellationToken);
    }

    /// <remarks>
    /// A create names what it made only in its answer (CreateSmartAccessGatewaySoftware's SmartAGId, CreateACL's
    /// AclId, AddACLRule's AcrId): a name the call did not send is taken from the answer's top-level field of the same
    /// name, so the entry says which instance or rule the change made.
    /// </remarks>
    private Task RecordAsync(ActionDefinition action, ActionArguments arguments, Caller caller, string outcome, string detail, ResponseBody? answer = null)
    {
        string Bound(string name) =>
            arguments.TryGetValue(name, out var value) && value is string { Length: > 0 } text ? text
            : answer?.FirstOrDefault(field => field.Key == name).Value as string ?? "";
        var target = TargetParameters.Select(Bound).FirstOrDefault(v => v.Length > 0) ?? "";
        return audit.RecordAsync(caller, action.Name, Bound("RegionId"), Bound("SmartAGId"), target, outcome, detail, CancellationToken.None);
    }

    private static string Bounded(string value) => value.Length <= RawValueLimit ? value : value[..RawValueLimit];
}
