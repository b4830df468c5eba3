using System.Diagnostics;
using System.Globalization;
using OpenSag.Bench;

// OpenSAG load benchmarks (bench/README.md): every scenario of issue 4 against its ceiling, one table.
if (args.Contains("--hold-tls"))
{
    return await Ceilings.HoldTlsAsync();
}

var smoke = args.Contains("--smoke");
var selected = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--scenario" && i + 1 < args.Length)
    {
        selected.AddRange(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries));
    }
}

if (selected.Count == 0)
{
    selected.AddRange(Scenarios.Names);
}

foreach (var name in selected.Where(n => !Scenarios.Names.Contains(n)))
{
    Console.Error.WriteLine($"unknown scenario '{name}'; known: {string.Join(", ", Scenarios.Names)}");
    return 2;
}

var files = Native.RaiseOpenFileLimit();
var scale = new Scale(smoke);
Console.WriteLine($"machine: {Native.Machine()}; open-file limit {files}; {(smoke ? "smoke" : "full")} run, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
var results = new List<Result>();
var failed = new List<string>();
var total = Stopwatch.StartNew();
foreach (var name in selected)
{
    var watch = Stopwatch.StartNew();
    Console.WriteLine($"== {name}");
    try
    {
        var run = name switch
        {
            "api-read" => Scenarios.ApiReadAsync(scale),
            "api-write" => Scenarios.ApiWriteAsync(scale),
            "kick-latency" => Scenarios.KickLatencyAsync(scale),
            "session-capacity" => Scenarios.SessionCapacityAsync(scale),
            "login-storm" => Scenarios.LoginStormAsync(scale),
            "connection-flood" => Scenarios.ConnectionFloodAsync(scale),
            "login-flood" => Scenarios.LoginFloodAsync(scale),
            "throttle-memory" => Scenarios.ThrottleMemoryAsync(scale),
            "stream-path" => Scenarios.StreamPathAsync(scale),
            "layer3" => Scenarios.Layer3Async(scale),
            _ => Scenarios.TunnelAsync(scale),
        };
        // layer3's full run is 8 paths × 4 loads × 3 rounds of 10 s iperf3 runs (about 20 minutes).
        var found = await run.WaitAsync(TimeSpan.FromMinutes(smoke ? 2 : name == "layer3" ? 40 : 10));
        results.AddRange(found);
        foreach (var r in found)
        {
            Console.WriteLine($"   {r.Scenario}: {r.Figure} (ceiling {r.Ceiling})");
        }
    }
    catch (Exception e)
    {
        failed.Add(name);
        Console.Error.WriteLine($"scenario {name} failed: {e}");
        results.Add(new(name, "FAILED: " + e.GetType().Name + ": " + e.Message.Split('\n')[0], "-", null, "-", null));
    }

    Console.WriteLine($"   ({watch.Elapsed.TotalSeconds:F1} s)");
}

Console.WriteLine();
Console.WriteLine($"machine: {Native.Machine()}");
// The targets are for the full scale; a smoke run (a few clients, a few seconds) cannot meet them, so it prints
// no target column rather than a "no" in most rows that says nothing about the product.
Console.WriteLine(smoke
    ? "| scenario | figure | ceiling | ratio |\n|---|---|---|---|"
    : "| scenario | figure | ceiling | ratio | target | met? |\n|---|---|---|---|---|---|");
foreach (var r in results)
{
    // A ceiling that measured nothing (0 req/s) gives an infinite or undefined ratio: that is no figure.
    var ratio = r.Ratio is { } x && double.IsFinite(x) ? x.ToString("F2", CultureInfo.InvariantCulture) : "-";
    var met = r.Met switch { true => "yes", false => "**no**", null => "-" };
    Console.WriteLine(smoke
        ? $"| {r.Scenario} | {r.Figure} | {r.Ceiling} | {ratio} |"
        : $"| {r.Scenario} | {r.Figure} | {r.Ceiling} | {ratio} | {r.Target} | {met} |");
}

if (smoke)
{
    Console.WriteLine("(smoke scale: targets are not judged; a full run, bench/README.md, judges them)");
}

// test.sh reads this last line to count each scenario of the CI smoke run as one passed or failed check.
Console.WriteLine($"total {total.Elapsed.TotalSeconds:F0} s; {(failed.Count == 0 ? "every scenario ran" : "FAILED to run: " + string.Join(", ", failed))}");
Console.WriteLine($"bench: {selected.Count} scenarios, {failed.Count} failed to run");
return failed.Count == 0 ? 0 : 1;
