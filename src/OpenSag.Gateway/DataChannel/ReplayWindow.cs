namespace OpenSag.Gateway.DataChannel;

/// <summary>
/// The receiver's anti-replay window of RFC 6479: a ring of 64-bit blocks (2048 bits in all, the current block
/// included) over the counters just below the greatest one accepted, so a counter is accepted once, in any order,
/// within <see cref="WindowSize"/> of the greatest; older ones and repeats are rejected. Moving ahead clears whole
/// blocks, not bits. The arithmetic is WireGuard's counter_validate (drivers/net/wireguard/receive.c) with 2048 bits
/// instead of 8192: at 1420-byte packets and 10 Gbit/s a 1984-packet window covers 2 ms of reordering.
/// <para>
/// Not thread-safe: <see cref="PacketOpener"/> calls it under its lock. Split in two because the window may only
/// move for a datagram whose tag verified: <see cref="Check"/> before decrypting (a cheap reject), <see cref="TryCommit"/>
/// after.
/// </para>
/// </summary>
public sealed class ReplayWindow
{
    /// <summary>Bits in the ring: 32 blocks of 64.</summary>
    public const int Bits = 2048;

    /// <summary>
    /// How far below the greatest accepted counter a counter is still accepted (if unseen): the ring less one block,
    /// the block the greatest counter is in being only partly behind it (RFC 6479 §2).
    /// </summary>
    public const int WindowSize = Bits - BlockBits;

    private const int BlockBits = 64;
    private const int Blocks = Bits / BlockBits;

    private readonly ulong[] _bitmap = new ulong[Blocks];

    // The greatest counter accepted plus one, so 0 means none yet; bits are indexed by counter + 1 likewise.
    private ulong _next;

    /// <summary>
    /// Whether <paramref name="counter"/> would be accepted now: below <see cref="TransportMessage.CounterLimit"/>,
    /// and greater than any accepted so far or unseen within <see cref="WindowSize"/> of the greatest. Changes nothing.
    /// </summary>
    public bool Check(ulong counter)
    {
        if (counter >= TransportMessage.CounterLimit)
        {
            return false;
        }

        var shifted = counter + 1;
        if (shifted > _next)
        {
            return true;
        }

        if (shifted + WindowSize < _next)
        {
            return false;
        }

        return (_bitmap[BlockOf(shifted)] & BitOf(shifted)) == 0;
    }

    /// <summary>
    /// Accepts <paramref name="counter"/> if <see cref="Check"/> would, and records it (moving the window ahead when it
    /// is the greatest yet). False, changing nothing, when it is a replay, too old or at the limit; so calling it twice
    /// for one counter accepts it once.
    /// </summary>
    public bool TryCommit(ulong counter)
    {
        if (!Check(counter))
        {
            return false;
        }

        var shifted = counter + 1;
        if (shifted > _next)
        {
            // Clear the blocks the window moves over, at most the whole ring, before the new counter's bit is set.
            var current = _next / BlockBits;
            var steps = Math.Min(shifted / BlockBits - current, Blocks);
            for (ulong i = 1; i <= steps; i++)
            {
                _bitmap[(int)((current + i) % Blocks)] = 0;
            }

            _next = shifted;
        }

        _bitmap[BlockOf(shifted)] |= BitOf(shifted);
        return true;
    }

    private static int BlockOf(ulong shifted) => (int)(shifted / BlockBits % Blocks);

    private static ulong BitOf(ulong shifted) => 1UL << (int)(shifted % BlockBits);
}
