using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using OpenSag.Client;
using OpenSag.Security;

namespace OpenSag.Bench;

/// <summary>
/// <c>login-storm</c>. The issue's storm: N clients online, the gateway restarts (killed, then started on the same data
/// folder), and all N reconnect at once with the session token they hold, as <c>opensag connect</c> does after a network
/// failure: time until all are online again, failures. Then a smaller storm of password logins, whose time is bounded
/// by PBKDF2 and reported against that bound.
/// </summary>
internal static partial class Scenarios
{
    private const int SessionsPerStormUser = 500;

    public static async Task<List<Result>> LoginStormAsync(Scale scale)
    {
        var server = await ServerProcess.StartAsync(shaping: true);
        try
        {
            using var api = new ApiClient(server.ApiPort, 8);
            var instance = await api.CreateInstanceAsync(100_000);
            var resumeUsers = Users("resumeuser", (scale.ResumeStormClients + SessionsPerStormUser - 1) / SessionsPerStormUser);
            var passwordUsers = Users("passworduser", Math.Max(1, scale.PasswordStormClients / 50));
            await api.CreateUsersAsync(instance, [.. resumeUsers, .. passwordUsers]);

            var online = new List<(string User, ControlSession Session)>();
            using (var factory = new ControlClientFactory(server.GatewayPort))
            {
                foreach (var user in resumeUsers)
                {
                    var want = Math.Min(SessionsPerStormUser, scale.ResumeStormClients - online.Count);
                    online.AddRange((await BringOnlineAsync(factory, instance, user, want)).Select(s => (user, s)));
                }

                // All N online; the restart cuts them all (each client sees its connection drop).
                server = await server.RestartAsync(shaping: true);
                foreach (var (_, s) in online)
                {
                    s.Dispose();
                }
            }

            var tokens = online.Select(o => (o.User, o.Session.Token)).ToList();
            Storm resume;
            using (var factory = new ControlClientFactory(server.GatewayPort))
            {
                resume = await StormAsync(tokens.Count, (i, ct) => factory.LoginAsync(instance, tokens[i].User, null, tokens[i].Token, ct));
            }

            var verifyMs = MeasurePbkdf2Milliseconds();
            Storm password;
            using (var factory = new ControlClientFactory(server.GatewayPort))
            {
                password = await StormAsync(scale.PasswordStormClients,
                    (i, ct) => factory.LoginAsync(instance, passwordUsers[i % passwordUsers.Length], ApiClient.Password, null, ct));
            }

            // The gateway checks one password per core but one (GatewayOptions.PasswordCheckConcurrency).
            var slots = Math.Max(1, Environment.ProcessorCount - 1);
            var boundSeconds = scale.PasswordStormClients * verifyMs / 1000 / slots;
            return
            [
                new($"login storm after a gateway restart, {F(resume.Clients)} clients resuming", resume.Figure, "-", null, "all online, none refused", resume.AllOnline),
                new($"login storm, {F(password.Clients)} password logins", password.Figure,
                    $"PBKDF2 {F(verifyMs, "F0")} ms x {F(password.Clients)} / {slots} check(s) at a time = {F(boundSeconds, "F1")} s",
                    boundSeconds / password.Elapsed.TotalSeconds, "all online, none refused", password.AllOnline),
            ];
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static string[] Users(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => prefix + i.ToString(CultureInfo.InvariantCulture))];

    /// <summary>One PBKDF2 verification in this process (the server's cost per password login), in ms.</summary>
    private static double MeasurePbkdf2Milliseconds()
    {
        var stored = PasswordHash.Create(ApiClient.Password);
        var start = Stopwatch.GetTimestamp();
        PasswordHash.Verify(ApiClient.Password, stored);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    /// <summary>
    /// Starts every login at once and waits (at most 10 minutes) until each is online or has failed. A connection that
    /// fails (refused SYN, TLS handshake timed out, reset) is retried as <c>opensag connect</c> does after a network
    /// failure (<see cref="ReconnectBackoff"/>) and counted as a retry; a login the gateway answers with a refusal
    /// is a failure and is not retried.
    /// </summary>
    private static async Task<Storm> StormAsync(int clients, Func<int, CancellationToken, Task<ControlSession>> login)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        var failures = 0;
        var retries = 0;
        string? firstError = null;
        var start = Stopwatch.GetTimestamp();
        var sessions = await Task.WhenAll(Enumerable.Range(0, clients).Select(async i =>
        {
            await Task.Yield();
            var backoff = new ReconnectBackoff();
            while (true)
            {
                try
                {
                    return await login(i, timeout.Token);
                }
                catch (Exception e) when (e is WebSocketException or HttpRequestException or IOException && !timeout.IsCancellationRequested)
                {
                    Interlocked.Increment(ref retries);
                    Interlocked.CompareExchange(ref firstError, Describe(e), null);
                    await Task.Delay(backoff.Next(), timeout.Token);
                }
                catch (Exception e) when (e is WebSocketException or HttpRequestException or InvalidOperationException or IOException or OperationCanceledException)
                {
                    Interlocked.Increment(ref failures);
                    Interlocked.CompareExchange(ref firstError, Describe(e), null);
                    return null;
                }
            }
        }));
        var elapsed = Stopwatch.GetElapsedTime(start);
        var online = sessions.Count(s => s is not null);
        foreach (var s in sessions)
        {
            s?.Dispose();
        }

        return new Storm(clients, online, failures, retries, elapsed, firstError);
    }

    private static string Describe(Exception e) => e.GetBaseException().GetType().Name + ": " + e.GetBaseException().Message.Split('\n')[0];

    private sealed record Storm(int Clients, int Online, int Failures, int Retries, TimeSpan Elapsed, string? FirstError)
    {
        public bool AllOnline => Failures == 0 && Online == Clients;

        public string Figure =>
            $"{F(Online)} online in {F(Elapsed.TotalSeconds, "F1")} s ({F(Online / Elapsed.TotalSeconds, "F0")}/s), {F(Failures)} failed, {F(Retries)} connection retries"
            + (FirstError is null ? "" : $" (first: {FirstError})");
    }
}
