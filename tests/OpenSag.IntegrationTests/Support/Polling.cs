namespace OpenSag.IntegrationTests.Support;

/// <summary>
/// Waits for a condition that only polling can observe (e.g. what an API answers), within a deadline. The
/// short pause between probes is the only delay: a test never sleeps for a fixed time.
/// </summary>
public static class Polling
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Probes until <paramref name="done"/> holds and returns that value; after <paramref name="deadline"/>
    /// throws a <see cref="TimeoutException"/> that shows the last value seen.
    /// </summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan deadline, string what)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(done);
        var end = DateTime.UtcNow + deadline;
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow >= end)
            {
                throw new TimeoutException($"{what}: not reached within {deadline.TotalSeconds} s; last seen: {value}");
            }

            await Task.Delay(Interval);
        }
    }
}
