using OpenSag.WebConsole.SignIn;

namespace OpenSag.WebConsole.Tests;

/// <summary>The record of open console sessions that sign-out deletes from, kept across restarts in the data folder.</summary>
public sealed class OpenSessionsTests : IDisposable
{
    private static readonly DateTimeOffset SignedIn = new(2026, 11, 30, 8, 0, 0, TimeSpan.Zero);

    private readonly string _folder = Directory.CreateTempSubdirectory("opensag-open-sessions-").FullName;

    private ConsoleOptions Options => new(Path.Combine(_folder, "keys"), Tls: false, Path.Combine(_folder, "console-sessions"));

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void End_OpenSession_NoLongerOpenHereNorAfterARestart()
    {
        var sessions = new OpenSessions(Options);
        var ended = sessions.Open(SignedIn);
        var kept = sessions.Open(SignedIn);

        sessions.End(ended);

        Assert.False(sessions.IsOpen(ended, SignedIn.AddMinutes(1)));
        Assert.True(sessions.IsOpen(kept, SignedIn.AddMinutes(1)));
        var restarted = new OpenSessions(Options);
        Assert.False(restarted.IsOpen(ended, SignedIn.AddMinutes(1)));
        Assert.True(restarted.IsOpen(kept, SignedIn.AddMinutes(1)));
    }

    [Fact]
    public void IsOpen_UnknownOrEmptyId_False()
    {
        var sessions = new OpenSessions(Options);
        sessions.Open(SignedIn);

        Assert.False(sessions.IsOpen("", SignedIn));
        Assert.False(sessions.IsOpen("not-a-session", SignedIn));
    }

    [Fact]
    public void IsOpen_AbsoluteLifetimeAfterSignIn_False()
    {
        var sessions = new OpenSessions(Options);
        var id = sessions.Open(SignedIn);

        Assert.True(sessions.IsOpen(id, SignedIn + ConsoleOptions.AbsoluteLifetime - TimeSpan.FromMilliseconds(1)));
        Assert.False(sessions.IsOpen(id, SignedIn + ConsoleOptions.AbsoluteLifetime));
    }

    [Fact]
    public void File_HoldsDigestsNotIds_AndDropsExpiredOnes()
    {
        var sessions = new OpenSessions(Options);
        var old = sessions.Open(SignedIn);
        var id = sessions.Open(SignedIn + ConsoleOptions.AbsoluteLifetime);

        var text = File.ReadAllText(Options.SessionsFile);

        Assert.DoesNotContain(id, text, StringComparison.Ordinal);
        Assert.DoesNotContain(old, text, StringComparison.Ordinal);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(new OpenSessions(Options).IsOpen(id, SignedIn + ConsoleOptions.AbsoluteLifetime));
    }

    [Fact]
    public void Open_AtTheLimit_EndsTheSessionThatExpiresFirst()
    {
        var sessions = new OpenSessions(Options);
        var first = sessions.Open(SignedIn);
        var later = SignedIn.AddMinutes(1);
        var others = Enumerable.Range(0, OpenSessions.MaxSessions).Select(_ => sessions.Open(later)).ToList();

        Assert.False(sessions.IsOpen(first, later));
        Assert.All(others, id => Assert.True(sessions.IsOpen(id, later)));
    }
}
