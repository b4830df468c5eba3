using Microsoft.Extensions.DependencyInjection;
using OpenSag.Api.Responses;
using OpenSag.Errors;
using OpenSag.Services;

namespace OpenSag.Api.Catalogue;

/// <summary>
/// An API action as the catalogue declares it: its wire name, its parameters, its answer, the errors of its own it
/// can answer with, and how its handler is made from the services it needs. Create one with a <c>Define</c> overload.
/// </summary>
/// <example>
/// Parameters are typed handles declared once (required ones read non-null); the handler gets its services as
/// parameters and returns a domain result, which the declared answer writes:
/// <code>
/// public static readonly Parameter&lt;string&gt; AclId = Parameter.String("AclId", "The ACL.").AsRequired();
///
/// public static readonly ActionDefinition Describe = ActionDefinition.Define(
///     "DescribeThing", "Shows one thing.",
///     [RegionId, AclId],
///     ResponseShape.Of&lt;Thing&gt;().String("AclId", t =&gt; t.AclId).Integer("Count", t =&gt; t.Count),
///     static (ThingService things, ActionContext a, CancellationToken ct) =&gt; things.GetAsync(a.Get(AclId), ct))
///     .Raising(ErrorCatalogue.ThingNotFound);
/// </code>
/// Register the area's <c>All</c> in <c>SmartagActions</c> (one line), and add a sample call to
/// DeclaredResponseTests (the tests fail until every action has one).
/// </example>
/// <param name="Name">The exact wire name (<c>KickOutClients</c>).</param>
/// <param name="Summary">One line for <c>opensag smartag</c> and the coverage table.</param>
/// <param name="Parameters">The declared request parameters, in the order they are checked.</param>
/// <param name="Response">The declared answer; the handler's result is written through it.</param>
/// <param name="CreateHandler">Makes the handler from the server's services, once, when the table is built.</param>
public sealed record ActionDefinition(
    string Name,
    string Summary,
    IReadOnlyList<ParameterSpec> Parameters,
    ResponseShape Response,
    Func<IServiceProvider, ActionHandler> CreateHandler)
{
    /// <summary>
    /// The errors the action's own work can answer with (not found, exists, over a limit…), besides each parameter's
    /// missing/invalid error and the protocol errors every action shares. Shown in the coverage table.
    /// </summary>
    public IReadOnlyList<ErrorDefinition> Errors { get; init; } = [];

    /// <summary>Every error this action can answer with for its own reasons: its parameters' missing/invalid errors, then <see cref="Errors"/>, each once.</summary>
    public IEnumerable<ErrorDefinition> AllErrors =>
        Parameters.SelectMany(ParameterErrors).Concat(Errors).Distinct();

    /// <summary>The same action, also answering with <paramref name="errors"/>.</summary>
    public ActionDefinition Raising(params ErrorDefinition[] errors) => this with { Errors = [.. Errors, .. errors] };

    /// <summary>An action whose handler turns arguments into a <typeparamref name="TResult"/> with one service; the answer is <paramref name="response"/> written from it.</summary>
    public static ActionDefinition Define<TService, TResult>(
        string name, string summary, IReadOnlyList<ParameterSpec> parameters, ResponseShape<TResult> response,
        Func<TService, ActionContext, CancellationToken, Task<TResult>> handler)
        where TService : notnull
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(handler);
        return new(name, summary, parameters, response, services =>
        {
            var service = services.GetRequiredService<TService>();
            return async (context, cancellationToken) => response.Write(await handler(service, context, cancellationToken));
        });
    }

    /// <summary>As <see cref="Define{TService, TResult}"/> with two services.</summary>
    public static ActionDefinition Define<TService1, TService2, TResult>(
        string name, string summary, IReadOnlyList<ParameterSpec> parameters, ResponseShape<TResult> response,
        Func<TService1, TService2, ActionContext, CancellationToken, Task<TResult>> handler)
        where TService1 : notnull
        where TService2 : notnull
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(handler);
        return new(name, summary, parameters, response, services =>
        {
            var first = services.GetRequiredService<TService1>();
            var second = services.GetRequiredService<TService2>();
            return async (context, cancellationToken) => response.Write(await handler(first, second, context, cancellationToken));
        });
    }

    /// <summary>An action that answers nothing but RequestId (<see cref="ResponseShape.Nothing"/>).</summary>
    public static ActionDefinition Define<TService>(
        string name, string summary, IReadOnlyList<ParameterSpec> parameters, Func<TService, ActionContext, CancellationToken, Task> handler)
        where TService : notnull
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new(name, summary, parameters, ResponseShape.Nothing, services =>
        {
            var service = services.GetRequiredService<TService>();
            return async (context, cancellationToken) =>
            {
                await handler(service, context, cancellationToken);
                return ResponseShape.Nothing.Write(null);
            };
        });
    }

    private static IEnumerable<ErrorDefinition> ParameterErrors(ParameterSpec parameter)
    {
        if (parameter.Required)
        {
            yield return parameter.Missing;
        }

        if (parameter.RuleError is { } invalid)
        {
            yield return invalid;
        }
    }
}

/// <summary>Runs a bound action: validated arguments in, the answer written through the action's declaration out.</summary>
public delegate Task<ResponseBody> ActionHandler(ActionContext context, CancellationToken cancellationToken);

/// <summary>What a handler gets: its validated arguments and who is calling. Services are bound when the table is built.</summary>
public sealed record ActionContext(ActionArguments Arguments, Caller Caller)
{
    /// <summary>Shorthand for <see cref="ActionArguments.Get{T}(Parameter{T})"/>.</summary>
    public T Get<T>(Parameter<T> parameter) => Arguments.Get(parameter);
}
