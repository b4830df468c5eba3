namespace OpenSag.WebConsole;

/// <summary>How the web console is served (<c>opensag serve --console-listen</c>).</summary>
/// <param name="KeysFolder">
/// Where ASP.NET Data Protection keeps the keys that seal the session cookie, anti-forgery tokens and flash
/// messages (<c>&lt;data&gt;/console-keys</c>): kept across restarts so a restart does not sign everyone out. Each
/// node of a cluster has its own, so a session is good only on the node that issued it.
/// </param>
/// <param name="Tls">Whether the console's listener is HTTPS: its cookies are then marked Secure.</param>
/// <param name="SessionsFile">
/// Where the sessions open on this node are recorded (<c>&lt;data&gt;/console-sessions</c>, <see cref="SignIn.OpenSessions"/>):
/// signing out deletes a session's line, so its cookie opens nothing afterwards; kept across restarts like the keys.
/// </param>
public sealed record ConsoleOptions(string KeysFolder, bool Tls, string SessionsFile)
{
    /// <summary>A session unused this long ends (sliding: each request renews it once half of it has passed).</summary>
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(30);

    /// <summary>A session ends this long after its sign-in, however active.</summary>
    public static readonly TimeSpan AbsoluteLifetime = TimeSpan.FromHours(12);
}
