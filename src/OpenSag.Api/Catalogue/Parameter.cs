using OpenSag.Errors;

namespace OpenSag.Api.Catalogue;

/// <summary>
/// A typed handle on one declared request parameter: handlers read a value with
/// <see cref="ActionArguments.Get{T}(Parameter{T})"/>, never by its wire name, so a misspelt name cannot compile.
/// <typeparamref name="T"/> says what the handler gets: <c>string</c>, <c>int</c>, <c>long</c> or <c>bool</c> when the
/// parameter is required (binding has refused a request without it), the nullable form when it is optional (null when
/// absent), <c>IReadOnlyList&lt;string&gt;</c> for a repeat list (empty when absent). Create handles with the
/// <see cref="Parameter"/> factories; the fluent methods return a new handle, as <see cref="ParameterSpec"/>'s do.
/// </summary>
/// <typeparam name="T">The value's type as handlers read it.</typeparam>
public sealed class Parameter<T>
{
    internal Parameter(ParameterSpec spec, T whenAbsent)
    {
        Spec = spec;
        WhenAbsent = whenAbsent;
    }

    /// <summary>The declaration that validates the value and documents it (<c>--usage</c>, README, coverage table).</summary>
    public ParameterSpec Spec { get; }

    /// <summary>What an absent optional value reads as: null, or an empty list.</summary>
    internal T WhenAbsent { get; }

    /// <summary>Lets an action list its handles where declarations are expected (<c>[RegionId, SmartAgId]</c>).</summary>
    public static implicit operator ParameterSpec(Parameter<T> parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return parameter.Spec;
    }

    /// <summary>The same handle with another wire name and description; errors set explicitly (e.g. RegionId's MissingRegionId) are kept, so set them again for the new name.</summary>
    public Parameter<T> Named(string name, string description) => With(Spec with { Name = name, Description = description });

    public Parameter<T> Described(string description) => With(Spec with { Description = description });

    public Parameter<T> WhenInvalid(ErrorDefinition error) => With(Spec.WhenInvalid(error));

    public Parameter<T> WhenMissing(ErrorDefinition error) => With(Spec with { MissingError = error });

    public Parameter<T> Between(long min, long max) => With(Spec.Between(min, max));

    public Parameter<T> OneOf(params long[] values) => With(Spec.OneOf(values));

    public Parameter<T> MultipleOf(long step) => With(Spec.MultipleOf(step));

    /// <summary>A constraint on string values (or list items) and its <paramref name="rule"/> in words (see <see cref="StringRule.Text"/>).</summary>
    public Parameter<T> Matching(Func<string, bool> constraint, string rule) => With(Spec.Matching(constraint, rule));

    public Parameter<T> AtMost(int items) => With(Spec.AtMost(items));

    private Parameter<T> With(ParameterSpec spec) => new(spec, WhenAbsent);
}

/// <summary>
/// Factories for <see cref="Parameter{T}"/>: every parameter starts optional, and <c>AsRequired</c> turns
/// <c>Parameter&lt;string?&gt;</c> into <c>Parameter&lt;string&gt;</c> (and so on), so what a handler reads says whether
/// it can be absent.
/// </summary>
public static class Parameter
{
    public static Parameter<string?> String(string name, string description) => new(new ParameterSpec(name, ParameterKind.String, description), null);

    public static Parameter<int?> Integer(string name, string description) => new(new ParameterSpec(name, ParameterKind.Integer, description), null);

    public static Parameter<long?> Long(string name, string description) => new(new ParameterSpec(name, ParameterKind.Long, description), null);

    public static Parameter<bool?> Boolean(string name, string description) => new(new ParameterSpec(name, ParameterKind.Boolean, description), null);

    /// <summary>A repeat list <c>Name.1 … Name.N</c> (spec §1.0); absent reads as empty.</summary>
    public static Parameter<IReadOnlyList<string>> List(string name, string description) => new(new ParameterSpec(name, ParameterKind.StringList, description), []);

    /// <summary>Required: a request without a non-empty value is refused with <paramref name="whenMissing"/> (default Missing{Name}).</summary>
    public static Parameter<string> AsRequired(this Parameter<string?> parameter, ErrorDefinition? whenMissing = null) =>
        Required(parameter, whenMissing, "");

    /// <inheritdoc cref="AsRequired(Parameter{string?}, ErrorDefinition?)"/>
    public static Parameter<int> AsRequired(this Parameter<int?> parameter, ErrorDefinition? whenMissing = null) => Required(parameter, whenMissing, 0);

    /// <inheritdoc cref="AsRequired(Parameter{string?}, ErrorDefinition?)"/>
    public static Parameter<long> AsRequired(this Parameter<long?> parameter, ErrorDefinition? whenMissing = null) => Required(parameter, whenMissing, 0L);

    /// <inheritdoc cref="AsRequired(Parameter{string?}, ErrorDefinition?)"/>
    public static Parameter<bool> AsRequired(this Parameter<bool?> parameter, ErrorDefinition? whenMissing = null) => Required(parameter, whenMissing, false);

    /// <summary>Required list: a request without at least one item is refused with <paramref name="whenMissing"/>.</summary>
    public static Parameter<IReadOnlyList<string>> AsRequired(this Parameter<IReadOnlyList<string>> parameter, ErrorDefinition? whenMissing = null)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return new(parameter.Spec.AsRequired(whenMissing), parameter.WhenAbsent);
    }

    /// <summary>The same parameter, optional (a filter form of a required one, e.g. UserName on a list action).</summary>
    public static Parameter<string?> AsOptional(this Parameter<string> parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return new(parameter.Spec with { Required = false }, null);
    }

    // A required value is always present after binding; the placeholder is never read.
    private static Parameter<TRequired> Required<TOptional, TRequired>(Parameter<TOptional> parameter, ErrorDefinition? whenMissing, TRequired placeholder)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        return new(parameter.Spec.AsRequired(whenMissing), placeholder);
    }
}
