using System.Collections.Concurrent;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// Failed-login limits per user and per source address (sliding window). Only failures count, so a user who
/// types the password right is never slowed; once either limit is reached, logins for that key are refused
/// without checking the password, with the same generic refusal as a wrong password.
/// </summary>
public sealed class LoginThrottle(GatewayOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new();

    public bool IsBlocked(string userKey, string address) =>
        Count(UserKey(userKey)) >= options.LoginFailuresPerUser || Count(AddressKey(address)) >= options.LoginFailuresPerAddress;

    public void RecordFailure(string userKey, string address)
    {
        Record(UserKey(userKey));
        Record(AddressKey(address));
    }

    private static string UserKey(string key) => "u:" + key;

    private static string AddressKey(string address) => "a:" + address;

    private int Count(string key)
    {
        if (!_failures.TryGetValue(key, out var queue))
        {
            return 0;
        }

        lock (queue)
        {
            Expire(queue);
            return queue.Count;
        }
    }

    private void Record(string key)
    {
        var queue = _failures.GetOrAdd(key, static _ => new Queue<DateTimeOffset>());
        lock (queue)
        {
            Expire(queue);
            queue.Enqueue(time.GetUtcNow());
        }
    }

    private void Expire(Queue<DateTimeOffset> queue)
    {
        var cutoff = time.GetUtcNow() - options.LoginFailureWindow;
        while (queue.Count > 0 && queue.Peek() <= cutoff)
        {
            queue.Dequeue();
        }
    }
}
