using System.Diagnostics.Metrics;

namespace OpenSag.Gateway.Sessions;

/// <summary>
/// Logins on the <c>OpenSag.Gateway</c> meter: <c>opensag.logins</c> tagged <c>outcome</c> (accepted, refused),
/// <c>reason</c> (the refusal's <see cref="Protocol.CloseReasons"/> word, empty when accepted) and <c>method</c>
/// (password, resume): a bounded set, and no user or instance names.
/// </summary>
public static class LoginMetrics
{
    public const string MeterName = "OpenSag.Gateway";

    /// <summary>The counter's name (unit {login}).</summary>
    public const string LoginsName = "opensag.logins";

    private static readonly Meter LoginsMeter = new(MeterName);

    private static readonly Counter<long> Logins = LoginsMeter.CreateCounter<long>(LoginsName, "{login}",
        "Logins on the control channel: accepted (online), or refused by reason");

    /// <summary>Counts a login that ended online.</summary>
    public static void Accepted(bool resume) => Add("accepted", "", resume);

    /// <summary>Counts a login refused with <paramref name="reason"/>, a <see cref="Protocol.CloseReasons"/> constant.</summary>
    public static void Refused(string reason, bool resume) => Add("refused", reason, resume);

    private static void Add(string outcome, string reason, bool resume)
    {
        if (Logins.Enabled)
        {
            Logins.Add(1, new KeyValuePair<string, object?>("outcome", outcome), new KeyValuePair<string, object?>("reason", reason),
                new KeyValuePair<string, object?>("method", resume ? "resume" : "password"));
        }
    }
}
