using OpenSag.Api.Catalogue;
using OpenSag.Api.Responses;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Services;
using OpenSag.Storage;
using static OpenSag.Api.Catalogue.WireParameters;

namespace OpenSag.Api.Actions;

/// <summary>SAG App log-in enterprise codes: spec/smartag-api.md §1.20, spec/smartag-acl-and-more.md §2.3. None takes the Owner parameters.</summary>
public static class EnterpriseCodeActions
{
    /// <summary>A code as CreateEnterpriseCode takes it: the one action that checks the format (§2.3).</summary>
    public static readonly Parameter<string> NewCode = Parameter.String("EnterpriseCode", "The enterprise code.")
        .AsRequired()
        .Matching(EnterpriseCode.IsWellFormed, "exactly 5 ASCII letters and digits, at least one of each (letter case counts)")
        .WhenInvalid(ErrorCatalogue.InvalidParameter("EnterpriseCode"));

    /// <summary>A code the other actions look up: any text names one or none (EnterpriseCode.NotExist).</summary>
    public static readonly Parameter<string> Code = Parameter.String("EnterpriseCode", "The enterprise code.")
        .AsRequired().Matching(s => s.Length <= 64, UpTo64);

    public static readonly Parameter<bool> IsDefault = Parameter.Boolean("IsDefault", "Whether the code is the region's default.").AsRequired();

    public static readonly ActionDefinition Create = ActionDefinition.Define(
        "CreateEnterpriseCode",
        "Creates an enterprise code in the region (unique in every region; not default).",
        [RegionId, NewCode, ClientToken],
        static (EnterpriseCodeService codes, ActionContext a, CancellationToken ct) => codes.CreateAsync(a.Get(RegionId), a.Get(NewCode), ct))
        .Raising(ErrorCatalogue.EnterpriseCodeOccupied);

    public static readonly ActionDefinition Delete = ActionDefinition.Define(
        "DeleteEnterpriseCode",
        "Deletes an enterprise code that is neither the default nor bound to an instance.",
        [RegionId, Code, ClientToken],
        static (EnterpriseCodeService codes, ActionContext a, CancellationToken ct) => codes.DeleteAsync(a.Get(RegionId), a.Get(Code), ct))
        .Raising(ErrorCatalogue.EnterpriseCodeNotFound, ErrorCatalogue.EnterpriseCodeIsDefault, ErrorCatalogue.EnterpriseCodeInUse);

    public static readonly ActionDefinition Update = ActionDefinition.Define(
        "UpdateEnterpriseCode",
        "Makes an enterprise code the region's default (the previous default stops being one), or not default.",
        [RegionId, Code, IsDefault, ClientToken],
        static (EnterpriseCodeService codes, ActionContext a, CancellationToken ct) => codes.SetDefaultAsync(a.Get(RegionId), a.Get(Code), a.Get(IsDefault), ct))
        .Raising(ErrorCatalogue.EnterpriseCodeNotFound);

    /// <summary>UpdateSmartAGEnterpriseCode's table answers a missing parameter with the 403 form (§2.3).</summary>
    public static readonly Parameter<string> BoundSmartAgId = SmartAgId.WhenMissing(ErrorCatalogue.AclMissingParameter);

    public static readonly Parameter<string> BoundCode = Code.WhenMissing(ErrorCatalogue.AclMissingParameter);

    public static readonly ActionDefinition Bind = ActionDefinition.Define(
        "UpdateSmartAGEnterpriseCode",
        "Binds an instance to an enterprise code of its region.",
        [RegionId, BoundSmartAgId, BoundCode, ClientToken],
        static (EnterpriseCodeService codes, ActionContext a, CancellationToken ct) => codes.BindAsync(a.Get(RegionId), a.Get(BoundSmartAgId), a.Get(BoundCode), ct))
        .Raising(ErrorCatalogue.EnterpriseCodeNotFound, ErrorCatalogue.InstanceNotFound);

    public static readonly Parameter<string?> CodeFilter = Code.AsOptional().Described("Only this code.");

    public static readonly Parameter<bool?> IsDefaultFilter = Parameter.Boolean("IsDefault", "true: only the default code; false: only the others.");

    public static readonly Parameter<int?> MaxResults = Parameter.Integer("MaxResults", "Codes per page (default 10).").Between(1, 100);

    public static readonly Parameter<string?> NextToken = Parameter.String("NextToken", "The previous page's NextToken.")
        .Matching(s => s.Length <= 256, "up to 256 characters, as the previous page gave it");

    /// <summary>One code of ListEnterpriseCode's plain array (§2.3).</summary>
    public static readonly ResponseShape<EnterpriseCode> Item = ResponseShape.Of<EnterpriseCode>()
        .String("EnterpriseCode", c => c.Code)
        .Boolean("IsDefault", c => c.IsDefault);

    public static readonly ActionDefinition List = ActionDefinition.Define(
        "ListEnterpriseCode",
        "Lists the region's enterprise codes in byte order, MaxResults at a time; NextToken continues.",
        [RegionId, CodeFilter, IsDefaultFilter, MaxResults, NextToken],
        ResponseShape.Of<(EnterpriseCodePage Page, int MaxResults)>()
            .Integer("TotalCount", r => r.Page.TotalCount)
            .Integer("MaxResults", r => r.MaxResults)
            // Absent on the last page, as the spec recommends (§2.3): a client loops while it gets one.
            .OptionalString("NextToken", r => r.Page.NextToken)
            .PlainList("EnterpriseCodes", r => r.Page.Items, Item),
        static async (EnterpriseCodeService codes, ActionContext a, CancellationToken ct) =>
        {
            var filter = new EnterpriseCodeFilter(a.Get(RegionId)) { Code = a.Get(CodeFilter), IsDefault = a.Get(IsDefaultFilter) };
            var maxResults = a.Get(MaxResults) ?? 10;
            return (await codes.ListAsync(filter, a.Get(NextToken), maxResults, ct), maxResults);
        })
        .Raising(ErrorCatalogue.Invalid("NextToken"));

    public static IEnumerable<ActionDefinition> All => [Create, Delete, Update, Bind, List];
}
