using System.Reflection;
using OpenSag.Api.Actions;
using OpenSag.Errors;

namespace OpenSag.Api.Tests.Catalogue;

/// <summary>
/// A Code names one error (<see cref="ErrorDefinition"/>'s remarks): clients and the coverage table key on the code,
/// so two catalogue entries that give the same Code another status or message by accident would make one of them
/// lie. The rule: among every error the server declares (the named entries of <see cref="ErrorCatalogue"/>, its
/// factories, and each action's parameter and declared errors), the entries sharing a Code come from one root; any
/// other status or message for that Code is a variant derived from the root with WithMessage/WithStatus.
/// </summary>
public sealed class ErrorCodeTests
{
    /// <summary>Codes given by two unrelated root definitions, with those definitions.</summary>
    private static List<string> Conflicts(IEnumerable<ErrorDefinition> errors) =>
    [
        .. errors
            .Select(e => e.VariantOf ?? e)
            .Distinct()
            .GroupBy(root => root.Code, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: " + string.Join(" | ", g.Select(r => $"{r.HttpStatus} \"{r.Message}\""))),
    ];

    private static IEnumerable<ErrorDefinition> Declared()
    {
        const BindingFlags Public = BindingFlags.Public | BindingFlags.Static;
        var type = typeof(ErrorCatalogue);
        var named = type.GetFields(Public).Where(f => f.FieldType == typeof(ErrorDefinition)).Select(f => (ErrorDefinition)f.GetValue(null)!)
            .Concat(type.GetProperties(Public).Where(p => p.PropertyType == typeof(ErrorDefinition)).Select(p => (ErrorDefinition)p.GetValue(null)!));
        ErrorDefinition[] factories = [ErrorCatalogue.Missing("Sample"), ErrorCatalogue.Invalid("Sample"), ErrorCatalogue.InvalidParameter("Sample"), ErrorCatalogue.InvalidParameter("Other")];
        return named.Concat(factories).Concat(SmartagActions.CreateTable().All.SelectMany(a => a.AllErrors));
    }

    [Fact]
    public void Catalogue_EveryCode_ComesFromOneRootDefinition()
    {
        var conflicts = Conflicts(Declared());

        Assert.True(conflicts.Count == 0,
            "Codes defined twice with another status or message; derive the second from the first with WithMessage/WithStatus if it is deliberate:\n"
            + string.Join("\n", conflicts));
    }

    [Fact]
    public void Conflicts_TwoRootsWithTheSameCode_Reported()
    {
        var first = new ErrorDefinition("ResourceNotFound.User", 400, "The specified user is not found.");
        var second = new ErrorDefinition("ResourceNotFound.User", 404, "The specified user is not found.");
        var third = new ErrorDefinition("ResourceNotFound.User", 400, "No such user.");

        Assert.Single(Conflicts([first, second]));
        Assert.Single(Conflicts([first, third]));
    }

    [Fact]
    public void Conflicts_VariantsAndRepeatsOfOneRoot_Allowed()
    {
        var root = new ErrorDefinition("InvalidParameter", 400, "The specified value of parameter \"{parameter}\" is not valid.");

        Assert.Empty(Conflicts([root, root with { }, root.WithMessage("Other words."), root.WithStatus(403).WithMessage("The specified parameter is invalid.")]));
    }

    [Fact]
    public void WithMessage_OfAVariant_KeepsTheRoot()
    {
        var variant = ErrorCatalogue.InstanceNotFound.WithMessage("a").WithMessage("b");

        Assert.Same(ErrorCatalogue.InstanceNotFound, variant.VariantOf);
        Assert.Equal(ErrorCatalogue.InstanceNotFound.HttpStatus, variant.HttpStatus);
    }
}
