using OpenSag.Domain;

namespace OpenSag.Storage;

/// <summary>
/// Enterprise codes and which instance is bound to which (spec/smartag-acl-and-more.md §2.3). Each write and the checks
/// it answers (uniqueness, default, in use, existence of both ends of a binding) are one transaction.
/// </summary>
public interface IEnterpriseCodeStore
{
    /// <summary>Adds the code unless a code with exactly that text exists in any region (the cloud's codes are unique across enterprises).</summary>
    Task<bool> TryAddEnterpriseCodeAsync(EnterpriseCode code, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the code of that region. NotFound: no such code there; IsDefault: it is the region's default; InUse: an
    /// instance is bound to it. Nothing is deleted unless Done.
    /// </summary>
    Task<EnterpriseCodeWriteResult> DeleteEnterpriseCodeAsync(string regionId, string code, CancellationToken cancellationToken);

    /// <summary>
    /// Marks the code of that region default (clearing every other default of the region) or not default; NotFound
    /// when there is no such code there.
    /// </summary>
    Task<EnterpriseCodeWriteResult> SetDefaultEnterpriseCodeAsync(string regionId, string code, bool isDefault, CancellationToken cancellationToken);

    /// <summary>
    /// Binds the instance to the code, both in that region (replacing the code it had). NotFound: no such code there;
    /// InstanceNotFound: no such instance there.
    /// </summary>
    Task<EnterpriseCodeWriteResult> BindEnterpriseCodeAsync(string regionId, string smartAgId, string code, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> codes of the filter's region, in byte order of the code, that sort after
    /// <paramref name="after"/> (null: from the first), and how many codes match the filter in all.
    /// </summary>
    Task<(IReadOnlyList<EnterpriseCode> Items, int TotalCount)> ListEnterpriseCodesAsync(EnterpriseCodeFilter filter, string? after, int limit, CancellationToken cancellationToken);
}

/// <summary>What ListEnterpriseCode filters on; null means "any".</summary>
public sealed record EnterpriseCodeFilter(string RegionId)
{
    /// <summary>Exact code.</summary>
    public string? Code { get; init; }

    public bool? IsDefault { get; init; }
}

public enum EnterpriseCodeWriteResult
{
    Done,
    /// <summary>No such code in that region.</summary>
    NotFound,
    /// <summary>No such instance in that region.</summary>
    InstanceNotFound,
    /// <summary>The code is its region's default, so it cannot be deleted.</summary>
    IsDefault,
    /// <summary>An instance is bound to the code, so it cannot be deleted.</summary>
    InUse,
}
