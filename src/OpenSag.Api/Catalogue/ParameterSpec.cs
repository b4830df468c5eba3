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
/// A constraint on a string value together with the same rule in words (<paramref name="Text"/>, e.g. "7–33
/// characters: …"), so a check cannot exist without what <c>--usage</c> and the README tell users about it.
/// </summary>
/// <param name="Text">The rule as users read it: a noun phrase that also reads after "each" (for list items).</param>
/// <param name="Matches">True when a value satisfies the rule.</param>
public sealed record StringRule(string Text, Func<string, bool> Matches);

/// <summary>
/// One request parameter of one action, by its exact wire name: its type, whether it is required, its constraint
/// and the catalogue errors for "missing" and "invalid". Validation, the CLI's help (<c>--usage</c>) and the
/// README's table of parameter rules are all derived from these declarations.
/// </summary>
public sealed record ParameterSpec(string Name, ParameterKind Kind, string Description)
{
    public bool Required { get; init; }
    public ErrorDefinition? MissingError { get; init; }
    public ErrorDefinition? InvalidError { get; init; }
    public long? Min { get; init; }
    public long? Max { get; init; }
    public IReadOnlySet<long>? AllowedNumbers { get; init; }
    /// <summary>A number must be a multiple of this (UserCount of a resize: multiples of 5).</summary>
    public long? Step { get; init; }
    /// <summary>Constraint on a string value (or on each list item), with its text.</summary>
    public StringRule? Constraint { get; init; }
    public int MaxItems { get; init; } = 50;

    /// <summary>
    /// What a value must be, in words, derived from the same declarations that validate it (range, allowed numbers,
    /// list length, <see cref="Constraint"/>); shown by <c>opensag smartag &lt;Action&gt; --usage</c> and the README.
    /// </summary>
    public string Rule => Kind switch
    {
        ParameterKind.String => Constraint?.Text ?? "any text",
        ParameterKind.Integer => NumberRule(int.MaxValue),
        ParameterKind.Long => NumberRule(long.MaxValue),
        ParameterKind.Boolean => "true or false (any letter case)",
        ParameterKind.StringList => $"up to {MaxItems.ToString(CultureInfo.InvariantCulture)} items" + (Constraint is { } c ? ", each " + c.Text : ""),
        _ => throw new InvalidOperationException("Unknown kind " + Kind),
    };

    /// <summary>The error a value that breaks <see cref="Rule"/> is answered with; null when every value is accepted (a string without a constraint).</summary>
    public ErrorDefinition? RuleError => Kind == ParameterKind.String && Constraint is null ? null : Invalid;

    public ErrorDefinition Missing => MissingError ?? ErrorCatalogue.Missing(Name);
    public ErrorDefinition Invalid => InvalidError ?? ErrorCatalogue.Invalid(Name);

    public ParameterSpec AsRequired(ErrorDefinition? whenMissing = null) => this with { Required = true, MissingError = whenMissing ?? MissingError };
    public ParameterSpec WhenInvalid(ErrorDefinition error) => this with { InvalidError = error };
    public ParameterSpec Between(long min, long max) => this with { Min = min, Max = max };
    public ParameterSpec OneOf(params long[] values) => this with { AllowedNumbers = values.ToHashSet() };
    public ParameterSpec MultipleOf(long step) => this with { Step = step };
    /// <summary>A constraint on string values (or list items) and its <paramref name="rule"/> in words (see <see cref="StringRule.Text"/>).</summary>
    public ParameterSpec Matching(Func<string, bool> constraint, string rule) => this with { Constraint = new StringRule(rule, constraint) };
    public ParameterSpec AtMost(int items) => this with { MaxItems = items };

    /// <summary>Parses a present, non-empty value into the declared type; throws the invalid error otherwise.</summary>
    public object Parse(string raw) => Kind switch
    {
        ParameterKind.String => Constraint is null || Constraint.Matches(raw) ? raw : throw new ApiException(Invalid),
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

    private string NumberRule(long largest) =>
        RangeRule(largest) + (Step is { } step ? ", a multiple of " + step.ToString(CultureInfo.InvariantCulture) : "");

    private string RangeRule(long largest)
    {
        if (AllowedNumbers is { } allowed)
        {
            return "one of " + string.Join(", ", Runs(allowed.Order()));
        }

        var min = Min?.ToString(CultureInfo.InvariantCulture);
        return (Min, Max) switch
        {
            (null, null) => "a whole number",
            (not null, null) => $"{min} or more",
            (not null, { } max) when max == largest => $"{min} or more",
            (not null, { } max) => $"{min}–{max.ToString(CultureInfo.InvariantCulture)}",
            (null, { } max) => $"{max.ToString(CultureInfo.InvariantCulture)} or less",
        };
    }

    /// <summary>Consecutive numbers as one range: 1, 2, 3, 12 → "1–3", "12".</summary>
    private static IEnumerable<string> Runs(IEnumerable<long> sorted)
    {
        long? first = null, last = null;
        foreach (var n in sorted)
        {
            if (last is { } l && n == l + 1)
            {
                last = n;
                continue;
            }

            if (first is not null)
            {
                yield return Run(first.Value, last!.Value);
            }

            first = last = n;
        }

        if (first is not null)
        {
            yield return Run(first.Value, last!.Value);
        }
    }

    private static string Run(long first, long last) =>
        first == last ? first.ToString(CultureInfo.InvariantCulture)
            : last == first + 1 ? $"{first.ToString(CultureInfo.InvariantCulture)}, {last.ToString(CultureInfo.InvariantCulture)}"
            : $"{first.ToString(CultureInfo.InvariantCulture)}–{last.ToString(CultureInfo.InvariantCulture)}";

    private long ParseLong(string raw, long min, long max) =>
        long.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ApiException(Invalid);

    private long CheckRange(long value) =>
        (Min is { } min && value < min) || (Max is { } max && value > max) || (AllowedNumbers is { } allowed && !allowed.Contains(value))
            || (Step is { } step && value % step != 0)
            ? throw new ApiException(Invalid)
            : value;
}
