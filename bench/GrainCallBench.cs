using Ates.Storage.Sqlite;
using Orleans.Dashboard;

namespace Ates.Bench;

[Alias("ates.bench.counter")]
public interface IBenchCounterGrain : IGrainWithGuidKey
{
    Task<int> Increment();
}

public sealed class BenchCounterGrain : Grain, IBenchCounterGrain
{
    private int _count;

    public Task<int> Increment() => Task.FromResult(++_count);
}

/// <summary>The baseline: the same work as a plain method call behind a lock, with no runtime in between.</summary>
public sealed class LockedCounter
{
    private readonly Lock _sync = new();
    private int _count;

    public Task<int> Increment()
    {
        lock (_sync) return Task.FromResult(++_count);
    }
}

/// <summary>
/// Calls made inside the silo process (the host's <c>IGrainFactory</c>) to a trivial counter grain: on an Ates silo
/// (journal on disk, its four subscriptions' pulling agents, the domain, the dashboard and its call filter), on a bare
/// Orleans silo, and as a direct locked method call; for attribution also a bare silo with only the dashboard added,
/// and an Ates silo whose dashboard profiler is on (as while someone watches the dashboard). One silo at a time, the
/// same callers, the same process; the silo variants take turns for a few rounds, and each row is the best of its
/// rounds (all are in its note), so that no variant pays alone for the JIT and tiering of the process's first silo or for
/// a noisy moment of this shared machine.
/// </summary>
public static class GrainCallBench
{
    private const string Ates = "Ates silo";
    private const string Bare = "bare Orleans silo";

    public static async Task<IReadOnlyList<Measurement>> RunAsync(int callsPerWorker, int rounds)
    {
        var workers = Environment.ProcessorCount * 2;
        var perCaller = new List<Measurement>();
        var shared = new List<Measurement>();
        using var directory = new TempDirectory("ates-bench-calls-");
        const string perCallerScenario = "grain calls in-silo, a grain per caller";
        const string sharedScenario = "grain calls in-silo, one shared grain";

        async Task OnSiloAsync(string variant, Func<Task<BenchSilo>> start)
        {
            await using var silo = await start();
            var grains = silo.Grains;
            // Warm-up: JIT, tiering, activations.
            var warm = Enumerable.Range(0, workers).Select(_ => grains.GetGrain<IBenchCounterGrain>(Guid.NewGuid())).ToArray();
            await Load.RunAsync("warm-up", "", workers, callsPerWorker / 2, w => warm[w].Increment);

            var own = Enumerable.Range(0, workers).Select(_ => grains.GetGrain<IBenchCounterGrain>(Guid.NewGuid())).ToArray();
            foreach (var grain in own) await grain.Increment();
            perCaller.Add(await Load.RunAsync(perCallerScenario, variant, workers, callsPerWorker, w => own[w].Increment, $"{workers} callers"));
            var one = grains.GetGrain<IBenchCounterGrain>(Guid.NewGuid());
            await one.Increment();
            shared.Add(await Load.RunAsync(sharedScenario, variant, workers, callsPerWorker / 2, _ => one.Increment, $"{workers} callers"));
        }

        for (var round = 0; round < rounds; round++)
        {
            await using (var journal = SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = directory.Sub($"ates-{round}") }))
            {
                await OnSiloAsync(Ates, () => BenchSilo.StartAtesAsync(journal, o => o.DayCloseCheckPeriod = TimeSpan.FromDays(1)));
            }
            await OnSiloAsync(Bare, BenchSilo.StartBareAsync);
            await OnSiloAsync("bare Orleans silo + dashboard (attribution)", () => BenchSilo.StartCustomAsync(silo => silo.AddDashboard(o => o.HideTrace = true)));
            await using (var journal = SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = directory.Sub($"ates-watched-{round}") }))
            {
                await OnSiloAsync("Ates silo, dashboard profiler on (someone watching)", () => BenchSilo.StartAtesAsync(journal,
                    o => o.DayCloseCheckPeriod = TimeSpan.FromDays(1), silo => silo.Configure<GrainProfilerOptions>(o => o.TraceAlways = true)));
            }
        }

        var locks = Enumerable.Range(0, workers).Select(_ => new LockedCounter()).ToArray();
        await Load.RunAsync("warm-up", "", workers, callsPerWorker, w => locks[w].Increment);
        perCaller.Add(await Load.RunAsync(perCallerScenario, "baseline: locked method", workers, callsPerWorker, w => locks[w].Increment, $"{workers} callers"));
        var sharedLock = new LockedCounter();
        shared.Add(await Load.RunAsync(sharedScenario, "baseline: locked method", workers, callsPerWorker / 2, _ => sharedLock.Increment, $"{workers} callers"));

        return [.. BestWithRatios(perCaller), .. BestWithRatios(shared)];
    }

    /// <summary>The best round of each variant, in first-seen order; Ates rows noted with their ratio to the bare silo and the targets.</summary>
    private static IEnumerable<Measurement> BestWithRatios(List<Measurement> rows)
    {
        var best = rows.GroupBy(r => r.Variant).Select(g => (Best: g.MaxBy(r => r.PerSecond)!, Rounds: g.Select(r => r.PerSecond).ToList())).ToList();
        var bare = best.Single(b => b.Best.Variant == Bare).Best;
        foreach (var (r, rounds) in best)
        {
            var note = rounds.Count > 1 ? $"{r.Note}; best of {string.Join(" / ", rounds.Select(x => $"{x / 1000:N0}k"))}/s" : r.Note;
            if (r.Variant.StartsWith(Ates, StringComparison.Ordinal) || r.Variant.Contains("dashboard", StringComparison.Ordinal))
                note += $"; {r.PerSecond / bare.PerSecond:F2}× bare";
            if (r.Variant == Ates) note += $" (target ≥ 0.9×); {r.PerSecond / 1_000_000:F2} M calls/s (target ≥ 1 M/s)";
            yield return r with { Note = note };
        }
    }
}
