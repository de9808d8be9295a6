using Ates.Bench;
using Spectre.Console;

// Usage: dotnet run -c Release --project bench -- [grain-calls|journal|tasks|http|shuffle|day-close|postgres|postgres-appends|all] [--quick]
var which = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
var quick = args.Contains("--quick");
var results = new List<Measurement>();


if (which is "all" or "grain-calls") results.AddRange(await GrainCallBench.RunAsync(quick ? 200_000 : 2_000_000));
if (which is "all" or "journal") results.AddRange(await JournalBench.RunAsync(quick ? 500 : 5_000));
if (which is "all" or "tasks") results.AddRange(await DomainBench.TasksAsync(quick ? 6_400 : 32_000));
if (which is "all" or "http") results.AddRange(await HttpBench.RunAsync(quick ? 50 : 300));
if (which is "all" or "shuffle") results.AddRange(await DomainBench.ShuffleAsync(quick ? 10_000 : 100_000));
if (which is "all" or "day-close") results.AddRange(await DomainBench.DayCloseAsync(quick ? 1_000 : 10_000));
if (which is "postgres-appends") results.AddRange(await PostgresAppendBench.RunAsync(quick ? 200 : 1_000));
if (which is "all" or "postgres") results.AddRange(await PostgresBench.RunAsync(quick));

if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 200;
var table = new Table().Title($"Ates benchmarks — {Environment.ProcessorCount} cores, .NET {Environment.Version}");
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
