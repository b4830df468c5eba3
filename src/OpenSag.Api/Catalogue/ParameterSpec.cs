using System.Globalization;
using OpenSag.Errors;

namespace OpenSag.Api.Catalogue;

public enum ParameterKind
{
    String,
    Integer,
    Long,
    Boolean,
    /// <summary>A repeat list, sent as <c>Name.1</c>, <c>Name.2</c>, … (1-based, spec §1.0).</summary>
    StringList,
}

/// <summary>
/// One request parameter of one action, by its exact wire name: its type, whether it is required, its constraint
/// and the catalogue errors for "missing" and "invalid". Validation, the CLI's help and the coverage table are all
/// derived from these declarations.
/// </summary>
public sealed record ParameterSpec(string Name, ParameterKind Kind, string Description)
{
    public bool Required { get; init; }
    public ErrorDefinition? MissingError { get; init; }
    public ErrorDefinition? InvalidError { get; init; }
    public long? Min { get; init; }
    public long? Max { get; init; }
    public IReadOnlySet<long>? AllowedNumbers { get; init; }
    /// <summary>Constraint on a string value (or on each list item).</summary>
    public Func<string, bool>? Constraint { get; init; }
    public int MaxItems { get; init; } = 50;

    public ErrorDefinition Missing => MissingError ?? ErrorCatalogue.Missing(Name);
    public ErrorDefinition Invalid => InvalidError ?? ErrorCatalogue.Invalid(Name);

    public ParameterSpec AsRequired(ErrorDefinition? whenMissing = null) => this with { Required = true, MissingError = whenMissing ?? MissingError };
    public ParameterSpec WhenInvalid(ErrorDefinition error) => this with { InvalidError = error };
    public ParameterSpec Between(long min, long max) => this with { Min = min, Max = max };
    public ParameterSpec OneOf(params long[] values) => this with { AllowedNumbers = values.ToHashSet() };
    public ParameterSpec Matching(Func<string, bool> constraint) => this with { Constraint = constraint };
    public ParameterSpec AtMost(int items) => this with { MaxItems = items };

    /// <summary>Parses a present, non-empty value into the declared type; throws the invalid error otherwise.</summary>
    public object Parse(string raw) => Kind switch
    {
        ParameterKind.String => Constraint is null || Constraint(raw) ? raw : throw new ApiException(Invalid),
        ParameterKind.Integer => (int)CheckRange(ParseLong(raw, int.MinValue, int.MaxValue)),
        ParameterKind.Long => CheckRange(ParseLong(raw, long.MinValue, long.MaxValue)),
        ParameterKind.Boolean => raw.ToLowerInvariant() switch
        {
            "true" => (object)true,
            "false" => false,
            _ => throw new ApiException(Invalid),
        },
        ParameterKind.StringList => throw new InvalidOperationException("Lists are parsed item by item."),
        _ => throw new InvalidOperationException("Unknown kind " + Kind),
    };

    private long ParseLong(string raw, long min, long max) =>
        long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ApiException(Invalid);

    private long CheckRange(long value) =>
        (Min is { } min && value < min) || (Max is { } max && value > max) || (AllowedNumbers is { } allowed && !allowed.Contains(value))
            ? throw new ApiException(Invalid)
            : value;
}
