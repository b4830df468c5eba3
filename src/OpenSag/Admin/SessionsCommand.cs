using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using OpenSag.Cli.Serve;

namespace OpenSag.Cli.Admin;

/// <summary>
/// <c>opensag sessions --instance ID</c>: every online session of an instance on every node, one row each, as
/// <c>occtl show users</c> lists them; <c>opensag sessions kick --instance ID (--user NAME | --session ID)</c> ends a
/// user's sessions (KickOutClients) or one session (the extension action DisconnectSession).
/// </summary>
internal static class SessionsCommand
{
    /// <summary>The largest page DescribeOnlineSessions gives; the listing asks page after page until it has them all.</summary>
    private const int PageSize = 100;

    public static Command Create()
    {
        var connection = new ApiConnection();
        var instance = InstanceOption();
        var region = RegionOption();
        var user = new Option<string?>("--user") { Description = "Only this user's sessions." };
        var command = new Command("sessions", "List every online session of an instance (id, user, ClientIp, peer, since, bytes, node, client); `sessions kick` ends them.")
        {
            instance, region, user,
        };
        foreach (var option in connection.All)
        {
            command.Options.Add(option);
        }

        command.Subcommands.Add(CreateKick());
        command.SetAction((parse, cancellationToken) => ApiConnection.RunAsync("opensag sessions", async http =>
        {
            var (client, settings) = connection.Connect(parse, http);
            var (regionId, regionGiven) = Region(parse.GetValue(region), settings);
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["RegionId"] = regionId,
                ["SmartAGId"] = parse.GetValue(instance)!,
                ["PageSize"] = PageSize.ToString(CultureInfo.InvariantCulture),
            };
            if (parse.GetValue(user) is { } userName)
            {
                parameters["UserName"] = userName;
            }

            var sessions = new List<JsonElement>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            // Sessions come and go between pages: one may show on two pages (kept once) or on none. The loop ends at
            // the first short page, or at a page with nothing new, so it is bounded by the sessions online plus one page.
            for (var page = 1; ; page++)
            {
                parameters["PageNumber"] = page.ToString(CultureInfo.InvariantCulture);
                var answer = await client.CallAsync(ApiSurface.OpenSag, "DescribeOnlineSessions", parameters, cancellationToken);
                if (await ReportErrorAsync(answer, regionId, regionGiven) is { } failed)
                {
                    return failed;
                }

                var json = answer.Json!.Value;
                var items = json.GetProperty("Sessions").GetProperty("Session").EnumerateArray().ToList();
                var before = sessions.Count;
                sessions.AddRange(items.Where(s => seen.Add(s.GetProperty("SessionId").GetString()!)));
                if (items.Count < PageSize || sessions.Count == before)
                {
                    break;
                }
            }

            if (connection.WantsTable(parse))
            {
                PrintSessions(sessions);
            }
            else
            {
                // The API's answer with every page's sessions in one list.
                var all = new JsonObject
                {
                    ["TotalCount"] = sessions.Count,
                    ["Sessions"] = new JsonObject { ["Session"] = new JsonArray([.. sessions.Select(s => JsonNode.Parse(s.GetRawText()))]) },
                };
                Console.WriteLine(AnswerJson.Serialize(all));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command CreateKick()
    {
        var connection = new ApiConnection();
        var instance = InstanceOption();
        var region = RegionOption();
        var user = new Option<string?>("--user") { Description = "End every session of this user (KickOutClients)." };
        var session = new Option<string?>("--session") { Description = "End this one session (its id from `opensag sessions`)." };
        var command = new Command("kick", "End a user's sessions (--user) or one session (--session) on an instance; the client exits 4.")
        {
            instance, region, user, session,
        };
        foreach (var option in connection.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => ApiConnection.RunAsync("opensag sessions kick", async http =>
        {
            var (userName, sessionId) = (parse.GetValue(user), parse.GetValue(session));
            if ((userName is null) == (sessionId is null))
            {
                throw new CliException("give exactly one of --user NAME (every session of the user) and --session ID (one session).");
            }

            var (client, settings) = connection.Connect(parse, http);
            var (regionId, regionGiven) = Region(parse.GetValue(region), settings);
            var smartAgId = parse.GetValue(instance)!;
            var parameters = new Dictionary<string, string>(StringComparer.Ordinal) { ["RegionId"] = regionId, ["SmartAGId"] = smartAgId };
            var answer = userName is not null
                ? await client.CallAsync(ApiSurface.Smartag, "KickOutClients", new Dictionary<string, string>(parameters) { ["Username"] = userName }, cancellationToken)
                : await client.CallAsync(ApiSurface.OpenSag, "DisconnectSession", new Dictionary<string, string>(parameters) { ["SessionId"] = sessionId! }, cancellationToken);
            if (await ReportErrorAsync(answer, regionId, regionGiven) is { } failed)
            {
                return failed;
            }

            var json = answer.Json!.Value;
            if (!connection.WantsTable(parse))
            {
                Console.WriteLine(AnswerJson.Serialize(json));
            }
            else if (userName is not null)
            {
                Console.WriteLine(TerminalText.Escape($"kicked {userName}: every session of the user on {smartAgId} ended."));
            }
            else
            {
                Console.WriteLine(TerminalText.Escape(json.GetProperty("Disconnected").GetBoolean()
                    ? $"disconnected session {sessionId} on {smartAgId}."
                    : $"no session {sessionId} is online on {smartAgId}; nothing to do."));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static Option<string> InstanceOption() => new("--instance") { Description = "SmartAGId of the instance.", Required = true };

    internal static Option<string?> RegionOption() => new("--region")
    {
        Description = $"RegionId of the instance (default OPENSAG_REGION_ID, else the profile's regionId, else {DefaultRegion}).",
    };

    /// <summary>The Smartag API's own default region, as the Alibaba Cloud SDK samples use it.</summary>
    internal const string DefaultRegion = "cn-hangzhou";

    /// <summary>The flag, else OPENSAG_REGION_ID or the profile's (resolved in <see cref="CliProfile.Resolve"/>), else <see cref="DefaultRegion"/>.</summary>
    private static (string RegionId, bool FromUser) Region(string? flag, CliProfile settings) =>
        flag is { Length: > 0 } ? (flag, true)
        : settings.RegionId is { Length: > 0 } configured ? (configured, true)
        : (DefaultRegion, false);

    /// <summary>
    /// Writes the error line of a failed answer and returns exit code 1; null for a success. An unknown instance
    /// under the default region is most often an instance of another region, so the line says which was asked.
    /// </summary>
    internal static async Task<int?> ReportErrorAsync(ApiAnswer answer, string regionId, bool regionFromUser)
    {
        if (answer.Json is null)
        {
            // A server of a version before the extension API answers its unknown path with an empty 404.
            await Console.Error.WriteLineAsync(TerminalText.Escape(answer.Status == 404
                ? "ERROR: HTTP 404: the endpoint has no OpenSAG extension API at /opensag; is it an OpenSAG server of this version?"
                : $"ERROR: HTTP {answer.Status}: the endpoint did not answer as the OpenSAG API: {answer.Body}"));
            return ExitCodes.Failed;
        }

        if (!answer.IsError)
        {
            return null;
        }

        await Console.Error.WriteLineAsync(answer.ErrorLine);
        if (!regionFromUser && answer.Code == "SAG.InstanceNoFound")
        {
            await Console.Error.WriteLineAsync($"opensag: looked in the default region {regionId}; pass --region (or set OPENSAG_REGION_ID, or regionId in the profile) for an instance of another region.");
        }

        return ExitCodes.Failed;
    }

    private static void PrintSessions(List<JsonElement> sessions)
    {
        if (sessions.Count == 0)
        {
            Console.WriteLine("no session online.");
            return;
        }

        string Text(JsonElement s, string name) => s.TryGetProperty(name, out var v) ? v.ToString() : "";
        long Number(JsonElement s, string name) => s.TryGetProperty(name, out var v) && v.TryGetInt64(out var n) ? n : 0;
        TextTable.Write(Console.Out, ["id", "user", "ClientIp", "peer", "since", "up", "down", "node", "client"],
            sessions.Select(s => (IReadOnlyList<string>)[
                Text(s, "SessionId"), Text(s, "UserName"), Text(s, "ClientIp"), Text(s, "PeerAddress"),
                DateTimeOffset.FromUnixTimeMilliseconds(Number(s, "OnlineTime")).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                Bytes(Number(s, "BytesFromClient")), Bytes(Number(s, "BytesToClient")), Text(s, "Node"),
                $"{Text(s, "ClientVersion")} {Text(s, "ClientOs")}".Trim()]));
        Console.WriteLine($"{sessions.Count} session{(sessions.Count == 1 ? "" : "s")} online.");
    }

    /// <summary>A byte count as people read it: 512 B, 1.5 KiB, 20.0 MiB (binary units, one decimal from KiB on).</summary>
    internal static string Bytes(long count)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = count;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{count} B" : value.ToString("0.0", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
