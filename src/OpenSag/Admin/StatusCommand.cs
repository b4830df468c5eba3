using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OpenSag.Cli.Serve;

namespace OpenSag.Cli.Admin;

/// <summary>
/// <c>opensag status</c>: what the server answering at the endpoint is (the extension action DescribeServerStatus):
/// version, node, uptime, store, sessions online in the whole cluster, and its listeners.
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var connection = new ApiConnection();
        var command = new Command("status", "Show the server's version, node, uptime, store, online sessions and listeners.");
        foreach (var option in connection.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => ApiConnection.RunAsync("opensag status", async http =>
        {
            var client = connection.CreateClient(parse, http);
            var answer = await client.CallAsync(ApiSurface.OpenSag, "DescribeServerStatus", new Dictionary<string, string>(), cancellationToken);
            if (await SessionsCommand.ReportErrorAsync(answer, "", regionFromUser: true) is { } failed)
            {
                return failed;
            }

            var json = answer.Json!.Value;
            if (!connection.WantsTable(parse))
            {
                Console.WriteLine(AnswerJson.Serialize(json));
                return ExitCodes.Ok;
            }

            string Text(string name) => json.TryGetProperty(name, out var v) ? v.ToString() : "";
            var uptime = json.TryGetProperty("UptimeSeconds", out var u) && u.TryGetInt64(out var seconds) ? Duration(seconds) : "";
            foreach (var line in new[]
            {
                "Version: " + Text("Version"),
                "Node: " + Text("Node"),
                $"Uptime: {uptime} (since {Text("StartTime")})",
                "Store: " + Text("Store"),
                "Sessions online: " + Text("OnlineSessions"),
            })
            {
                Console.WriteLine(TerminalText.Escape(line));
            }

            var listeners = json.TryGetProperty("Listeners", out var l) && l.TryGetProperty("Listener", out var list) ? list.EnumerateArray().ToList() : [];
            Console.WriteLine();
            Console.WriteLine("Listeners:");
            TextTable.Write(Console.Out, ["name", "address"], listeners.Select(x => (IReadOnlyList<string>)[
                x.TryGetProperty("Name", out var n) ? n.ToString() : "", x.TryGetProperty("Address", out var a) ? a.ToString() : ""]));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Seconds as people read an uptime: <c>3d 4h 5m 6s</c>, leading zero units left out.</summary>
    internal static string Duration(long seconds)
    {
        var span = TimeSpan.FromSeconds(seconds);
        var parts = new List<string>();
        if (span.Days > 0)
        {
            parts.Add(span.Days.ToString(CultureInfo.InvariantCulture) + "d");
        }

        if (parts.Count > 0 || span.Hours > 0)
        {
            parts.Add(span.Hours.ToString(CultureInfo.InvariantCulture) + "h");
        }

        if (parts.Count > 0 || span.Minutes > 0)
        {
            parts.Add(span.Minutes.ToString(CultureInfo.InvariantCulture) + "m");
        }

        parts.Add(span.Seconds.ToString(CultureInfo.InvariantCulture) + "s");
        return string.Join(' ', parts);
    }
}
