using OpenSag.Domain;
using OpenSag.Services;
using OpenSag.Storage;

namespace OpenSag.WebConsole.Instances;

/// <summary>
/// Instances of every region (<see cref="Regions.All"/>): the console shows them together and names one by its id alone
/// (<c>/instances/{id}</c>), while the API looks one up by region and id. An instance created through the API in a
/// region outside that list is found by its id but not listed.
/// </summary>
public sealed class InstanceDirectory(InstanceService instances, IInstanceStore store)
{
    /// <summary>Store pages read at a time; the API's own largest DescribeSmartAccessGateways page.</summary>
    private const int BatchSize = 100;

    /// <summary>Every instance of every region, by region (in <see cref="Regions.All"/>'s order), then as the store lists them.</summary>
    public async Task<IReadOnlyList<Instance>> ListAllAsync(CancellationToken cancellationToken)
    {
        var all = new List<Instance>();
        foreach (var region in Regions.All)
        {
            var seen = 0;
            for (var page = 1; ; page++)
            {
                var batch = await instances.ListAsync(new InstanceFilter(region.RegionId), page, BatchSize, cancellationToken);
                all.AddRange(batch.Items);
                seen += batch.Items.Count;
                if (batch.Items.Count == 0 || seen >= batch.TotalCount)
                {
                    break;
                }
            }
        }

        return all;
    }

    /// <summary>The instance with <paramref name="smartAgId"/> in whichever region holds it; null when none does.</summary>
    public Task<Instance?> FindAsync(string smartAgId, CancellationToken cancellationToken) =>
        smartAgId.Length is 0 or > 64 || PortableText.IndexOfUnportable(smartAgId) >= 0
            ? Task.FromResult<Instance?>(null)
            : store.FindInstanceByIdAsync(smartAgId, cancellationToken);
}
