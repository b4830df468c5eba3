using System.Net;
using OpenSag.Domain;
using OpenSag.Storage;

namespace OpenSag.Sessions;

/// <summary>
/// The addresses held as static ClientIp by users of an instance: never handed out dynamically, whichever
/// lease implementation (one node's memory or the cluster's table) does the handing out.
/// </summary>
public static class StaticClientAddresses
{
    private const int PageSize = 100;

    public static async Task<HashSet<uint>> ReadAsync(IClientUserStore users, string smartAgId, CancellationToken cancellationToken)
    {
        var result = new HashSet<uint>();
        for (var page = 1; ; page++)
        {
            var batch = await users.ListUsersAsync(new UserFilter(smartAgId), page, PageSize, cancellationToken);
            foreach (var user in batch.Items.Where(u => u.IsStaticIp))
            {
                result.Add(Ipv4.ToUInt32(IPAddress.Parse(user.ClientIp)));
            }

            if (batch.Items.Count == 0 || page * PageSize >= batch.TotalCount)
            {
                return result;
            }
        }
    }
}
