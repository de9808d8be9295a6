using Ates.Bench;
using Spectre.Console;

// Usage: dotnet run -c Release --project bench -- [grain-calls|journal|tasks|lag|shuffle|day-close|restart|http|postgres|failover|tracing|outside|reads|memory|all] [--quick] [--silo DIR]
//        dotnet run -c Release --project bench -- chaos [--minutes N] [--seed S]
string[] scenarios = ["grain-calls", "journal", "tasks", "lag", "shuffle", "day-close", "restart", "http", "postgres", "failover", "tracing", "outside", "reads", "memory", "all", "chaos"];
string[] withValue = ["--mode", "--profile", "--profiler", "--silo", "--minutes", "--seed"];
var which = args.Where((a, i) => !a.StartsWith("--", StringComparison.Ordinal) && (i == 0 || !withValue.Contains(args[i - 1]))).FirstOrDefault() ?? "all";
var quick = args.Contains("--quick");
if (!scenarios.Contains(which))
{
    Console.Error.WriteLine($"Unknown scenario '{which}'; one of: {string.Join(", ", scenarios)}.");
    return 2;
}
string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();

// The chaos run is not a measurement beside a baseline but a test of the books under faults: its own table, and a
// non-zero exit when anything acknowledged was lost, applied twice, or the audit found a difference.
if (which == "chaos")
{
    var minutes = double.Parse(Option("--minutes") ?? "10", System.Globalization.CultureInfo.InvariantCulture);
    var seed = int.Parse(Option("--seed") ?? "7", System.Globalization.CultureInfo.InvariantCulture);
    var report = await Ates.Testing.ChaosRun.RunAsync(TimeSpan.FromMinutes(minutes), seed, line => Console.Error.WriteLine($"[chaos] {line}"));
    Console.WriteLine(report.ToMarkdown());
    foreach (var line in report.Lost.Concat(report.Twice).Concat(report.Audit.Differences.Select(d => d.Detail)).Concat(report.Invariants.Violations).Take(20))
        Console.WriteLine($"  {line}");
    return report.BooksAgree ? 0 : 1;
}

var results = new List<Measurement>();
var started = System.Diagnostics.Stopwatch.GetTimestamp();

async Task Run(string name, Func<Task<IReadOnlyList<Measurement>>> scenario)
{
    if (which != "all" && which != name) return;
    var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
    Console.Error.WriteLine($"[bench] {name}{(quick ? " (quick)" : "")}…");
    results.AddRange(await scenario());
    Console.Error.WriteLine($"[bench] {name} done in {System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds:F0} s");
}

await Run("grain-calls", () => GrainCallBench.RunAsync(quick ? 100_000 : 200_000, quick ? 2 : 3));
await Run("journal", () => JournalBench.RunAsync(quick ? 200 : 1_000));
await Run("tasks", () => TaskBench.EmbeddedAsync(quick ? 6_400 : 19_200));
await Run("lag", () => LagBench.EmbeddedAsync(quick ? 5 : 10));
await Run("shuffle", () => DomainBench.ShuffleAsync(quick ? 10_000 : 100_000));
await Run("day-close", () => DomainBench.DayCloseAsync(quick ? 1_000 : 10_000));
await Run("restart", () => RestartBench.RunAsync(quick ? 100_000 : 1_000_000));
await Run("http", () => HttpBench.RunAsync(quick ? 50 : 150));
await Run("postgres", () => PostgresBench.RunAsync(quick));
await Run("failover", () => FailoverBench.RunAsync(quick));
await Run("tracing", () => TracingBench.RunAsync(quick ? 30 : 100));
// `outside` is the measurement from the outside (wrk on the silo process); `--mode embedded|postgres` runs one half,
// `--profile DIR` records the silo's CPU under the burst (`--profiler perf`, the default, or `trace` for dotnet-trace).
// `--silo DIR`: the outside scenarios run the silo host built in DIR instead (another commit, for a before/after).
if (Option("--silo") is { } siloDirectory) Silos.Assembly = Path.GetFullPath(Path.Combine(siloDirectory, "Ates.Silo.dll"));
await Run("reads", () => ReadsBench.RunAsync(quick));
await Run("memory", () => OutsideBench.MemoryAsync(quick ? 2 : 8));
await Run("outside", () => OutsideBench.RunAsync(quick, Option("--mode") ?? "both", Option("--profile"), Option("--profiler") ?? "perf"));

if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
var table = new Table().Title($"Ates benchmarks — {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(quick ? "quick, " : "")}{System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMinutes:F1} min");
foreach (var column in new[] { "scenario", "variant", "ops/s", "p50 µs", "p99 µs", "bytes/op", "ops", "note" }) table.AddColumn(column);
foreach (var r in results)
{
    table.AddRow(Markup.Escape(r.Scenario), Markup.Escape(r.Variant), $"{r.PerSecond:N0}", $"{r.P50Micros:F2}", $"{r.P99Micros:F2}",
        $"{r.BytesPerOp:F0}", $"{r.Operations:N0}", Markup.Escape(r.Note));
}
AnsiConsole.Write(table);

// The same figures as a Markdown table, for README's Performance section.
Console.WriteLine();
Console.WriteLine("| scenario | variant | ops/s | p50 µs | p99 µs | bytes/op | note |");
Console.WriteLine("|---|---|---:|---:|---:|---:|---|");
foreach (var r in results)
    Console.WriteLine($"| {r.Scenario} | {r.Variant} | {r.PerSecond:N0} | {r.P50Micros:F2} | {r.P99Micros:F2} | {r.BytesPerOp:F0} | {r.Note} |");
return 0;
