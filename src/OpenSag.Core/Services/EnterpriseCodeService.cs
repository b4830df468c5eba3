using System.Buffers.Text;
using System.Text;
using OpenSag.Domain;
using OpenSag.Errors;
using OpenSag.Storage;

namespace OpenSag.Services;

/// <summary>
/// Enterprise codes of SAG App log-in (spec/smartag-acl-and-more.md §2.3): created, made default, bound to instances
/// and deleted under the cloud's rules, each checked in the store's transaction of the write. OpenSAG's client logs in
/// to an instance by its id, so a code identifies nothing at log-in and EnterpriseCode.UserNameConflict (user names
/// unique per code) never arises.
/// </summary>
public sealed class EnterpriseCodeService(IEnterpriseCodeStore store, TimeProvider time)
{
    /// <summary>Creates a code (not default) in the region; EnterpriseCode.BeenOccupied when it exists in any region.</summary>
    /// <exception cref="ApiException">InvalidParameter for a malformed code, EnterpriseCode.BeenOccupied for a taken one.</exception>
    public async Task<EnterpriseCode> CreateAsync(string regionId, string code, CancellationToken cancellationToken)
    {
        RefuseMalformed(code);
        var created = new EnterpriseCode
        {
            RegionId = regionId,
            Code = code,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds()),
        };
        return await store.TryAddEnterpriseCodeAsync(created, cancellationToken) ? created : throw new ApiException(ErrorCatalogue.EnterpriseCodeOccupied);
    }

    /// <exception cref="ApiException">EnterpriseCode.NotExist, EnterpriseCode.DeleteLimit (the default), EnterpriseCode.BeingUsed (bound).</exception>
    public async Task DeleteAsync(string regionId, string code, CancellationToken cancellationToken) =>
        ThrowOnFailure(await store.DeleteEnterpriseCodeAsync(regionId, code, cancellationToken));

    /// <summary>Makes the code the region's default (the previous default stops being one) or not default.</summary>
    /// <exception cref="ApiException">EnterpriseCode.NotExist.</exception>
    public async Task SetDefaultAsync(string regionId, string code, bool isDefault, CancellationToken cancellationToken) =>
        ThrowOnFailure(await store.SetDefaultEnterpriseCodeAsync(regionId, code, isDefault, cancellationToken));

    /// <summary>Binds the instance to the code (both in that region), replacing the code it had.</summary>
    /// <exception cref="ApiException">EnterpriseCode.NotExist, SAG.InstanceNoFound.</exception>
    public async Task BindAsync(string regionId, string smartAgId, string code, CancellationToken cancellationToken) =>
        ThrowOnFailure(await store.BindEnterpriseCodeAsync(regionId, smartAgId, code, cancellationToken));

    /// <summary>
    /// One page of the region's codes in byte order, after the position <paramref name="nextToken"/> names (null or
    /// empty: the first page), and the token of the page after it (null on the last page).
    /// </summary>
    /// <exception cref="ApiException">InvalidNextToken for a token this service did not hand out.</exception>
    public async Task<EnterpriseCodePage> ListAsync(EnterpriseCodeFilter filter, string? nextToken, int maxResults, CancellationToken cancellationToken)
    {
        var after = string.IsNullOrEmpty(nextToken) ? null : ReadToken(nextToken);
        // One more than asked tells whether another page follows without a second query.
        var (items, total) = await store.ListEnterpriseCodesAsync(filter, after, maxResults + 1, cancellationToken);
        var page = items.Take(maxResults).ToList();
        return new EnterpriseCodePage(page, total, items.Count > maxResults ? WriteToken(page[^1].Code) : null);
    }

    private static void RefuseMalformed(string code)
    {
        if (!EnterpriseCode.IsWellFormed(code))
        {
            throw new ApiException(ErrorCatalogue.InvalidParameter("EnterpriseCode"));
        }
    }

    /// <summary>
    /// The token is the last code of the page, base64url-encoded: opaque to callers, and a position that stays
    /// meaningful when codes are added or deleted between pages (keyset paging; no code is skipped or repeated).
    /// </summary>
    private static string WriteToken(string lastCode) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(lastCode));

    private static string ReadToken(string token)
    {
        try
        {
            var code = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            return EnterpriseCode.IsWellFormed(code) ? code : throw new ApiException(ErrorCatalogue.Invalid("NextToken"));
        }
        catch (FormatException)
        {
            throw new ApiException(ErrorCatalogue.Invalid("NextToken"));
        }
    }

    private static void ThrowOnFailure(EnterpriseCodeWriteResult result)
    {
        switch (result)
        {
            case EnterpriseCodeWriteResult.Done:
                return;
            case EnterpriseCodeWriteResult.NotFound:
                throw new ApiException(ErrorCatalogue.EnterpriseCodeNotFound);
            case EnterpriseCodeWriteResult.InstanceNotFound:
                throw new ApiException(ErrorCatalogue.InstanceNotFound);
            case EnterpriseCodeWriteResult.IsDefault:
                throw new ApiException(ErrorCatalogue.EnterpriseCodeIsDefault);
            case EnterpriseCodeWriteResult.InUse:
                throw new ApiException(ErrorCatalogue.EnterpriseCodeInUse);
            default:
                throw new InvalidOperationException("Unknown store result " + result);
        }
    }
}

/// <summary>One page of ListEnterpriseCode: the codes, how many match in all, and the token of the next page (null on the last).</summary>
public sealed record EnterpriseCodePage(IReadOnlyList<EnterpriseCode> Items, int TotalCount, string? NextToken);
