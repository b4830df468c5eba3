using Microsoft.Extensions.DependencyInjection;
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
    /// <summary>A code as CreateEnterpriseCode takes it; the other actions only look codes up, so any text names one or none.</summary>
    private static readonly ParameterSpec NewCode = new ParameterSpec("EnterpriseCode", ParameterKind.String, "The enterprise code.")
        .AsRequired()
        .Matching(EnterpriseCode.IsWellFormed, "exactly 5 ASCII letters and digits, at least one of each (letter case counts)")
        .WhenInvalid(ErrorCatalogue.InvalidParameter("EnterpriseCode"));

    private static readonly ParameterSpec ExistingCode = new ParameterSpec("EnterpriseCode", ParameterKind.String, "The enterprise code.")
        .AsRequired().Matching(s => s.Length <= 64, UpTo64);

    public static readonly ActionDefinition Create = new(
        "CreateEnterpriseCode",
        "Creates an enterprise code in the region (unique in every region; not default).",
        [RegionId, NewCode, ClientToken],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Codes(context).CreateAsync(a.String("RegionId"), a.String("EnterpriseCode"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition Delete = new(
        "DeleteEnterpriseCode",
        "Deletes an enterprise code that is neither the default nor bound to an instance.",
        [RegionId, ExistingCode, ClientToken],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Codes(context).DeleteAsync(a.String("RegionId"), a.String("EnterpriseCode"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition Update = new(
        "UpdateEnterpriseCode",
        "Makes an enterprise code the region's default (the previous default stops being one), or not default.",
        [RegionId, ExistingCode, new ParameterSpec("IsDefault", ParameterKind.Boolean, "Whether the code is the default.").AsRequired(), ClientToken],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Codes(context).SetDefaultAsync(a.String("RegionId"), a.String("EnterpriseCode"), a.Boolean("IsDefault"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition Bind = new(
        "UpdateSmartAGEnterpriseCode",
        "Binds an instance to an enterprise code of its region.",
        [
            RegionId,
            SmartAgId with { MissingError = ErrorCatalogue.EnterpriseCodeMissingParameter },
            ExistingCode with { MissingError = ErrorCatalogue.EnterpriseCodeMissingParameter },
            ClientToken,
        ],
        [],
        async (context, ct) =>
        {
            var a = context.Arguments;
            await Codes(context).BindAsync(a.String("RegionId"), a.String("SmartAGId"), a.String("EnterpriseCode"), ct);
            return ResponseBody.Empty;
        });

    public static readonly ActionDefinition List = new(
        "ListEnterpriseCode",
        "Lists the region's enterprise codes in byte order, MaxResults at a time; NextToken continues.",
        [
            RegionId,
            ExistingCode with { Required = false },
            new ParameterSpec("IsDefault", ParameterKind.Boolean, "true: only the default code; false: only the others."),
            new ParameterSpec("MaxResults", ParameterKind.Integer, "Codes per page (default 10).").Between(1, 100),
            new ParameterSpec("NextToken", ParameterKind.String, "The previous page's NextToken.").Matching(s => s.Length <= 256, "up to 256 characters"),
        ],
        ["TotalCount", "MaxResults", "NextToken", "EnterpriseCodes[]"],
        async (context, ct) =>
        {
            var a = context.Arguments;
            var filter = new EnterpriseCodeFilter(a.String("RegionId"))
            {
                Code = a.OptionalString("EnterpriseCode"),
                IsDefault = a.OptionalBoolean("IsDefault"),
            };
            var maxResults = a.OptionalInteger("MaxResults") ?? 10;
            var page = await Codes(context).ListAsync(filter, a.OptionalString("NextToken"), maxResults, ct);
            var body = new ResponseBody
            {
                { "TotalCount", page.TotalCount },
                { "MaxResults", maxResults },
            };
            // Omitted on the last page, as the spec recommends (§2.3): a client loops while it gets one.
            if (page.NextToken is { } next)
            {
                body.Add("NextToken", next);
            }

            body.Add("EnterpriseCodes", new PlainList([.. page.Items.Select(Item)]));
            return body;
        });

    public static IEnumerable<ActionDefinition> All => [Create, Delete, Update, Bind, List];

    private static ResponseBody Item(EnterpriseCode code) => new()
    {
        { "EnterpriseCode", code.Code },
        { "IsDefault", code.IsDefault },
    };

    private static EnterpriseCodeService Codes(ActionContext context) => context.Services.GetRequiredService<EnterpriseCodeService>();
}
