using System.Runtime.InteropServices;

namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// Runs code inside a <see cref="NetworkNamespace"/> from this test process: on a thread of its own that joins the
/// namespace (setns(2) changes the calling thread only) and ends afterwards, so no pooled thread is left in it. What
/// that code creates belongs to the namespace for good: a TUN interface, a socket, and the processes it starts (they
/// fork from that thread), e.g. the <c>ip</c> commands of <c>LinkConfig</c>. Their descriptors work from any thread.
/// </summary>
public static partial class NamespaceThread
{
    // CLONE_NEWNET (linux/sched.h).
    private const int CloneNewNet = 0x40000000;

    // CAP_NET_ADMIN (linux/capability.h) and _LINUX_CAPABILITY_VERSION_3 (two 32-bit words of capabilities).
    private const int CapNetAdmin = 12;
    private const uint CapabilityVersion3 = 0x20080522;

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [StructLayout(LayoutKind.Sequential)]
    private struct CapabilityHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapabilityData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    /// <summary>Runs <paramref name="work"/> inside <paramref name="network"/> and returns its result (or throws what it threw); bounded by 30 s.</summary>
    public static Task<T> RunAsync<T>(NetworkNamespace network, Func<T> work) => RunAsync(network, dropNetAdmin: false, work);

    /// <summary>
    /// As <see cref="RunAsync{T}(NetworkNamespace, Func{T})"/>, and when <paramref name="dropNetAdmin"/>, without
    /// CAP_NET_ADMIN in the thread's effective set (capset(2) also changes only the calling thread), as an
    /// unprivileged user would run.
    /// </summary>
    public static Task<T> RunAsync<T>(NetworkNamespace network, bool dropNetAdmin, Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(network);
        var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                using (var handle = File.OpenHandle("/run/netns/" + network.Name))
                {
                    if (setns((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
                    {
                        throw new InvalidOperationException("setns failed: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
                    }
                }

                if (dropNetAdmin)
                {
                    DropNetAdmin();
                }

                result.SetResult(work());
            }
            catch (Exception e)
            {
                result.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "in " + network.Name,
        };
        thread.Start();
        return result.Task.WaitAsync(Bound);
    }

    private static void DropNetAdmin()
    {
        var header = new CapabilityHeader { Version = CapabilityVersion3 };
        var data = new CapabilityData[2];
        if (capget(ref header, data) != 0)
        {
            throw new InvalidOperationException("capget failed: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
        }

        data[0].Effective &= ~(1u << CapNetAdmin);
        if (capset(ref header, data) != 0)
        {
            throw new InvalidOperationException("capset failed: " + Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError()));
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setns(int fd, int nstype);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int capget(ref CapabilityHeader header, [Out] CapabilityData[] data);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int capset(ref CapabilityHeader header, CapabilityData[] data);
}
