using OpenSag.Api.Responses;

namespace OpenSag.Api.Catalogue;

/// <summary>An API action: its wire name, its declared parameters, what it answers, and the handler that runs it.</summary>
public sealed record ActionDefinition(string Name, string Summary, IReadOnlyList<ParameterSpec> Parameters, IReadOnlyList<string> ResponseFields, ActionHandler Handler);

/// <summary>parse (already done into <see cref="ActionArguments"/>) → domain call → response body.</summary>
public delegate Task<ResponseBody> ActionHandler(ActionContext context, CancellationToken cancellationToken);

/// <summary>What a handler gets: its validated arguments, who is calling, and the domain services.</summary>
public sealed record ActionContext(ActionArguments Arguments, OpenSag.Services.Caller Caller, IServiceProvider Services);
