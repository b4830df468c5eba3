using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// Sockets that belong to a test's <see cref="NetworkNamespace"/> while the test process stays in its own: a socket
/// belongs to the namespace its creating thread was in, for its whole life, whichever thread uses it later. So a
/// dedicated thread enters the namespace (setns(2), which moves only the calling thread), creates the socket, and goes
/// back before it ends. Linux and root only, as the namespace itself.
/// </summary>
public static partial class NamespaceSockets
{
    private const int CloneNewNet = 0x40000000;

    /// <summary>A new socket of <paramref name="network"/>.</summary>
    public static Task<Socket> CreateAsync(NetworkNamespace network, AddressFamily family, SocketType type, ProtocolType protocol)
    {
        ArgumentNullException.ThrowIfNull(network);
        var created = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                using var home = File.OpenHandle("/proc/thread-self/ns/net");
                using var target = File.OpenHandle("/run/netns/" + network.Name);
                Enter(target.DangerousGetHandle());
                try
                {
                    created.SetResult(new Socket(family, type, protocol));
                }
                finally
                {
                    Enter(home.DangerousGetHandle());
                }
            }
            catch (Exception e)
            {
                created.TrySetException(e);
            }
        })
        { IsBackground = true, Name = "setns " + network.Name };
        thread.Start();
        return created.Task;
    }

    private static void Enter(nint namespaceHandle)
    {
        if (setns((int)namespaceHandle, CloneNewNet) != 0)
        {
            throw new InvalidOperationException($"setns failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);
}
