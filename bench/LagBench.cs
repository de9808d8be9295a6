using System.Diagnostics;
using Ates.Grains;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;
using Ates.Storage.Journal;
using Ates.Storage.Sqlite;

namespace Ates.Bench;

/// <summary>
/// Event lag at a steady 1,000 tasks/s: for each task.assigned, the time from when it is committed and visible to a
/// reader in this process until its ledger entry (ledger.entry-recorded whose SourceId is that event's id) is committed
/// and visible to the same reader. Beside it, the same measurement of a hand-written reactor on a journal of the same
/// kind: a follower that reads the log and appends each assignment's fee entry itself, one append per account per
/// read, as the account grain does, with no Orleans in between. That is the floor of this hop on this journal: one
/// wake-up, one read, one durable append, one more wake-up and read.
/// </summary>
public static class LagBench
{
    public const int Rate = 1_000;
    private const int Workers = 20;

    public static async Task<IReadOnlyList<Measurement>> EmbeddedAsync(int seconds)
    {
        using var directory = new TempDirectory("ates-bench-lag-");
        return await RunAsync(seconds, "SQLite", 5, name => Task.FromResult<IJournalStore>(SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = directory.Sub(name) })));
    }

    /// <param name="openJournal">Opens a fresh, empty journal (called twice: for the baseline and for the silo).</param>
    public static async Task<IReadOnlyList<Measurement>> RunAsync(int seconds, string storeName, int targetP99Millis, Func<string, Task<IJournalStore>> openJournal)
    {
        var results = new List<Measurement>();
        await using (var journal = await openJournal("reactor"))
        {
            results.Add(await ReactorAsync(journal, seconds, storeName));
        }
        await using (var journal = await openJournal("silo"))
        {
            await using var silo = await BenchSilo.StartAtesAsync(journal, o => o.DayCloseCheckPeriod = TimeSpan.FromDays(1));
            var (atRate, atHalf) = await SiloAsync(silo, seconds, storeName);
            results.Insert(0, atRate with { Note = $"target p99 ≤ {targetP99Millis} ms; {atRate.Note}" });
            results.Add(atHalf);
        }
        return results;
    }

    /// <summary>
    /// The lag through the silo: tasks created through <c>ITaskGrain.Create</c>, fees recorded by billing; at the target's
    /// rate, then (for reference, after the subscriptions settled) at half of it.
    /// </summary>
    public static async Task<(Measurement AtRate, Measurement AtHalfRate)> SiloAsync(BenchSilo silo, int seconds, string storeName)
    {
        var journal = silo.Journal!;
        var manager = (await silo.RegisterAsync(Roles.Manager, 1))[0];
        await silo.RegisterAsync(Roles.Worker, Workers);
        var grains = silo.Grains;
        Task Create() => grains.GetGrain<ITaskGrain>(Guid.CreateVersion7()).Create(new NewTask("Paced task", "UBERPOP-7", null), manager.Id);

        // One second at the same rate first, so the account grains are active, as they are in a running system.
        await PacedAsync(Rate, 1, Create);
        await silo.SettleAsync();

        async Task<Measurement> AtAsync(int rate, string note)
        {
            var probe = new LagProbe();
            Paced paced;
            await using (await JournalFollower.StartAsync(journal, probe.Seen))
            {
                paced = await PacedAsync(rate, seconds, Create);
                await probe.WaitForEntriesAsync(TimeSpan.FromSeconds(60));
            }
            await silo.SettleAsync();
            return probe.Result($"event lag, task → ledger entry ({storeName})", $"Ates: billing subscription → IAccountGrain, at {paced.PerSecond:N0} tasks/s{note}", paced,
                "Create call");
        }

        var atRate = await AtAsync(Rate, "");
        var atHalf = await AtAsync(Rate / 2, " (reference: half the target rate)");
        return (atRate, atHalf);
    }

    /// <summary>The floor: the same hop by a hand-written follower that appends the fee entries itself.</summary>
    public static async Task<Measurement> ReactorAsync(IJournalStore journal, int seconds, string storeName)
    {
        var creator = Guid.CreateVersion7();
        var accounts = Enumerable.Range(0, Workers).Select(_ => Guid.CreateVersion7()).ToArray();
        var versions = accounts.ToDictionary(a => a, _ => 0L);
        var balances = accounts.ToDictionary(a => a, _ => 0m);
        var recorded = 0L;
        await using var reactor = await JournalFollower.StartAsync(journal, async (events, _) =>
        {
            var byAccount = new Dictionary<Guid, List<NewEvent>>();
            var now = DateTimeOffset.UtcNow;
            foreach (var e in events)
            {
                if (e.Type != "task.assigned" || BenchEvents.Serializer.Deserialize(e) is not TaskAssigned a) continue;
                var entry = BenchEvents.FeeEntry(a.AssigneeId, balances[a.AssigneeId], a, e.EventId, now);
                balances[a.AssigneeId] = entry.BalanceAfter;
                if (!byAccount.TryGetValue(a.AssigneeId, out var list)) byAccount[a.AssigneeId] = list = [];
                list.Add(BenchEvents.New(entry, now));
            }
            var appended = await Task.WhenAll(byAccount.Select(async kv =>
                (kv.Key, (await journal.AppendAsync(BenchEvents.AccountStream(kv.Key), versions[kv.Key], kv.Value)).NextExpectedVersion, kv.Value.Count)));
            foreach (var (account, version, count) in appended)
            {
                versions[account] = version;
                Interlocked.Add(ref recorded, count);
            }
        });

        var issued = 0L;
        Task Create()
        {
            Interlocked.Increment(ref issued);
            var (taskId, events, _) = BenchEvents.TaskCreation(creator, accounts[Random.Shared.Next(accounts.Length)], DateTimeOffset.UtcNow, "Paced task", "UBERPOP-7");
            return journal.AppendAsync(BenchEvents.TaskStream(taskId), 0, events);
        }

        await PacedAsync(Rate, 1, Create);
        var deadline = Stopwatch.GetTimestamp();
        while (Interlocked.Read(ref recorded) < Interlocked.Read(ref issued) && Stopwatch.GetElapsedTime(deadline) < TimeSpan.FromSeconds(30)) await Task.Delay(20);

        var probe = new LagProbe();
        Paced paced;
        await using (await JournalFollower.StartAsync(journal, probe.Seen))
        {
            paced = await PacedAsync(Rate, seconds, Create);
            await probe.WaitForEntriesAsync(TimeSpan.FromSeconds(60));
        }
        return probe.Result($"event lag, task → ledger entry ({storeName})", $"baseline: hand-written follower → append, at {paced.PerSecond:N0} tasks/s", paced,
            "raw 2-event append");
    }

    public sealed record Paced(int Operations, TimeSpan Elapsed, double[] SortedLatencyMicros)
    {
        public double PerSecond => Operations / Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Starts <paramref name="rate"/> operations a second for <paramref name="seconds"/>, every 10 ms those due (a steady
    /// rate without a spinning loop taking one of the two cores), without waiting for one to finish before the next starts.
    /// </summary>
    public static async Task<Paced> PacedAsync(int rate, int seconds, Func<Task> operation)
    {
        var total = rate * seconds;
        var latencies = new long[total];
        var inflight = new List<Task>(total);
        var start = Stopwatch.GetTimestamp();
        using (var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(10)))
        {
            while (inflight.Count < total && await pace.WaitForNextTickAsync())
            {
                var due = Math.Min(total, (int)(Stopwatch.GetElapsedTime(start).TotalSeconds * rate) + rate / 100);
                while (inflight.Count < due)
                {
                    var i = inflight.Count;
                    inflight.Add(Timed(i));
                }
            }
        }
        var issuing = Stopwatch.GetElapsedTime(start);
        await Task.WhenAll(inflight);
        return new Paced(total, issuing, latencies.Select(t => t * 1_000_000.0 / Stopwatch.Frequency).Order().ToArray());

        async Task Timed(int i)
        {
            var t0 = Stopwatch.GetTimestamp();
            await operation();
            latencies[i] = Stopwatch.GetTimestamp() - t0;
        }
    }

    public static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[(int)Math.Min(sorted.Length - 1, q * sorted.Length)];

    /// <summary>Collects when each task.assigned and each ledger entry became visible, and pairs them by the entry's source id.</summary>
    private sealed class LagProbe
    {
        private readonly Lock _sync = new();
        private readonly Dictionary<string, long> _assigned = [];
        private readonly Dictionary<string, long> _entries = [];

        public void Seen(JournalEvent e, long at)
        {
            if (e.Type == "task.assigned")
            {
                lock (_sync) _assigned[e.EventId.ToString()] = at;
            }
            else if (e.Type == "ledger.entry-recorded" && BenchEvents.Serializer.Deserialize(e) is LedgerEntryRecorded entry)
            {
                lock (_sync) _entries[entry.SourceId] = at;
            }
        }

        private int Missing()
        {
            lock (_sync) return _assigned.Keys.Count(k => !_entries.ContainsKey(k));
        }

        public async Task WaitForEntriesAsync(TimeSpan timeout)
        {
            var start = Stopwatch.GetTimestamp();
            while (Missing() > 0 && Stopwatch.GetElapsedTime(start) < timeout) await Task.Delay(50);
        }

        public Measurement Result(string scenario, string variant, Paced paced, string operationName)
        {
            double[] lags;
            int missing;
            lock (_sync)
            {
                lags = _assigned.Where(a => _entries.ContainsKey(a.Key))
                    .Select(a => (_entries[a.Key] - a.Value) * 1_000_000.0 / Stopwatch.Frequency).Order().ToArray();
                missing = _assigned.Count - lags.Length;
            }
            var ops = paced.SortedLatencyMicros;
            return new Measurement(scenario, variant, lags.Length, paced.Elapsed, Percentile(lags, 0.50), Percentile(lags, 0.99), 0,
                $"max {(lags.Length == 0 ? 0 : lags[^1]) / 1000:F1} ms, {lags.Length:N0} entries" + (missing > 0 ? $", {missing:N0} MISSING after 60 s" : "") +
                $"; {operationName} p50 {Percentile(ops, 0.5) / 1000:F1} ms, p99 {Percentile(ops, 0.99) / 1000:F1} ms");
        }
    }
}
