namespace OpenSag.Client;

/// <summary>
/// The waits between reconnect attempts: 1 s doubling to 30 s, each drawn at random from the upper half of its step.
/// Without the randomness, thousands of clients cut off at the same instant (a gateway restart) came back in
/// lockstep, every retry wave as large as the first, and overran the gateway's handshake queue again.
/// </summary>
public sealed class ReconnectBackoff
{
    public static readonly TimeSpan First = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Longest = TimeSpan.FromSeconds(30);

    private TimeSpan _step = First;

    /// <summary>The wait before the next attempt, between half the current step and the step; then the step doubles.</summary>
    public TimeSpan Next()
    {
        var wait = _step * (0.5 + (Random.Shared.NextDouble() / 2));
        _step = TimeSpan.FromTicks(Math.Min(_step.Ticks * 2, Longest.Ticks));
        return wait;
    }

    /// <summary>After a success: the next failure starts again from the first step.</summary>
    public void Reset() => _step = First;
}
