using Ates.Grains.Interfaces;
using Ates.Storage.Journal;
using Ates.Storage.Sqlite;

namespace Ates.Bench;

/// <summary>
/// Durable task creations through an Ates silo (<c>ITaskGrain.Create</c>: a new task grain, the registry's assignable
/// users, prices, one append of two events; then four subscriptions turn each task into more durable appends), beside
/// raw appends of the same two events from as many writers to a fresh journal of the same kind.
/// </summary>
public static class TaskBench
{
    public const int Callers = 64;

    public static async Task<IReadOnlyList<Measurement>> EmbeddedAsync(int tasks)
    {
        using var directory = new TempDirectory("ates-bench-tasks-");
        return await RunAsync(tasks, "SQLite", 0.5, name => Task.FromResult<IJournalStore>(SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = directory.Sub(name) })));
    }

    /// <param name="openJournal">Opens a fresh, empty journal (called twice: for the baseline and for the silo).</param>
    /// <param name="targetRatio">The target of the ratio to raw appends (docs/design.md: 0.5 embedded), or null for none.</param>
    public static async Task<IReadOnlyList<Measurement>> RunAsync(int tasks, string storeName, double? targetRatio, Func<string, Task<IJournalStore>> openJournal)
    {
        var results = new List<Measurement>();
        var perCaller = Math.Max(1, tasks / Callers);
        var scenario = $"task creations ({storeName})";

        Measurement raw;
        await using (var journal = await openJournal("raw"))
        {
            await JournalBench.RawTaskAppendsAsync(journal, "warm-up", "", Callers, 20);
            raw = await JournalBench.RawTaskAppendsAsync(journal, scenario, "baseline: raw 2-event appends", Callers, perCaller);
        }

        await using (var journal = await openJournal("silo"))
        {
            await using var silo = await BenchSilo.StartAtesAsync(journal, o => o.DayCloseCheckPeriod = TimeSpan.FromDays(1));
            var manager = (await silo.RegisterAsync(Roles.Manager, 1))[0];
            await silo.RegisterAsync(Roles.Worker, 20);
            var grains = silo.Grains;
            Task Create() => grains.GetGrain<ITaskGrain>(Guid.CreateVersion7()).Create(new NewTask("Benchmark task", "UBERPOP-1", null), manager.Id);

            // Warm-up (JIT, the registry, the account grains), then let the subscriptions finish with it.
            await Load.RunAsync("warm-up", "", Callers, 10, _ => Create);
            await silo.SettleAsync();

            var ates = await Load.RunAsync(scenario, "Ates: ITaskGrain.Create", Callers, perCaller, _ => Create);
            var settled = await silo.SettleAsync(TimeSpan.FromMinutes(10));
            results.Add(ates with
            {
                Note = $"{Callers} callers, 2 events each; {ates.PerSecond / raw.PerSecond:F2}× raw appends" + (targetRatio is { } t ? $" (target ≥ {t}×); " : "; ") +
                       $"subscriptions settled {settled.TotalSeconds:F1} s after the last creation",
            });
        }

        // Reference: the same creations with no subscription running, to show what the task path costs by itself and
        // what billing, accounting, analytics and notifications add (five more durable events per task).
        await using (var journal = await openJournal("alone"))
        {
            await using var silo = await BenchSilo.StartAtesAsync(journal, o => o.DayCloseCheckPeriod = TimeSpan.FromDays(1), subscriptions: false);
            var manager = (await silo.RegisterAsync(Roles.Manager, 1))[0];
            await silo.RegisterAsync(Roles.Worker, 20);
            var grains = silo.Grains;
            Task Create() => grains.GetGrain<ITaskGrain>(Guid.CreateVersion7()).Create(new NewTask("Benchmark task", "UBERPOP-1", null), manager.Id);
            await Load.RunAsync("warm-up", "", Callers, 10, _ => Create);
            var alone = await Load.RunAsync(scenario, "reference: ITaskGrain.Create, no subscriptions", Callers, perCaller, _ => Create);
            results.Add(alone with { Note = $"{Callers} callers; {alone.PerSecond / raw.PerSecond:F2}× raw appends" });
        }
        results.Add(raw);
        return results;
    }
}
