namespace OpenSag.Gateway.Packets;

/// <summary>
/// How many forged datagrams one peer's opener still tries this second. A datagram that fails its tag costs the node
/// a decryption and a .NET exception (AesGcm and ChaCha20Poly1305 report a bad tag only by throwing): 7-15 µs and
/// 320 bytes each, measured. The receiver index is in the clear, so anyone on the path can aim forgeries at a session
/// with counters ahead of its window, which the replay check cannot turn away; unbounded, one sender would keep the
/// node's UDP thread busy and every session's datagrams waiting. After <see cref="PerSecond"/> forgeries within a
/// second of the first, the peer's datagrams are dropped unopened (<c>throttled</c>) until that second ends: at most
/// about 4 ms of a core a second per session attacked. The session attacked loses its datagrams meanwhile, which is
/// no more than a sender on its path could do by dropping them; every other session is untouched. An honest client's
/// datagrams never fail their tag (UDP's checksum catches what the path breaks), so it never meets the bound.
/// </summary>
internal sealed class ForgeryBudget
{
    /// <summary>Forged datagrams opened per peer and second: 256 × 15 µs ≈ 4 ms.</summary>
    public const int PerSecond = 256;

    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    private long _periodStart;
    private int _forged;

    /// <summary>
    /// Whether the peer's next datagram may be opened: true unless <see cref="PerSecond"/> forgeries came within the
    /// current second. One field read while the budget is not spent (every honest datagram).
    /// </summary>
    public bool AllowsOpening(TimeProvider time)
    {
        if (Volatile.Read(ref _forged) < PerSecond)
        {
            return true;
        }

        if (time.GetElapsedTime(Volatile.Read(ref _periodStart)) < Period)
        {
            return false;
        }

        Volatile.Write(ref _forged, 0);
        return true;
    }

    /// <summary>Counts one datagram whose tag failed; the first of a period starts the period's second.</summary>
    public void NoteForged(TimeProvider time)
    {
        var now = time.GetTimestamp();
        if (Volatile.Read(ref _forged) == 0 || time.GetElapsedTime(Volatile.Read(ref _periodStart), now) >= Period)
        {
            Volatile.Write(ref _periodStart, now);
            Volatile.Write(ref _forged, 1);
            return;
        }

        Interlocked.Increment(ref _forged);
    }
}
