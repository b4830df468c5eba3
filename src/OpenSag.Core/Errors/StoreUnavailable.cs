using System.Data.Common;
using System.Net.Sockets;

namespace OpenSag.Errors;

/// <summary>
/// Tells a database that cannot be reached right now from a bug. The first is the caller's to retry (503
/// ServiceUnavailable, DESIGN.md §5: a node without its database refuses writes until it is back); only the
/// second is a 500. Engine-neutral: ADO.NET providers mark such failures <see cref="DbException.IsTransient"/>
/// (Npgsql for refused or broken connections and pool timeouts), and the causes below them are socket errors and
/// timeouts.
/// </summary>
public static class StoreUnavailable
{
    public static bool IsCause(Exception exception)
    {
        // Bounded: inner-exception chains are short, and a cycle is impossible by construction of Exception.
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is DbException { IsTransient: true } or SocketException or TimeoutException)
            {
                return true;
            }
        }

        return false;
    }
}
