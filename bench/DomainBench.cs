using System.Diagnostics;
using Ates.Grains;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;
using Ates.Storage.Journal;
using Ates.Storage.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;

namespace Ates.Bench;

/// <summary>
/// The single-shot operations of the domain on one embedded silo (SQLite, fsync on): a shuffle of N open tasks and a day
/// close of N accounts, each beside raw appends of as many events of the same kind on a fresh journal of the same kind.
/// Data sets are written to the journal directly with the domain's own events (it is the grains' source of truth); the
/// timed operation runs through the grains.
/// </summary>
public static class DomainBench
{
    private const int Workers = 20;

    /// <summary>Shuffle of N open tasks (target: 100,000 in ≤ 3 s), beside N raw task.assigned appends.</summary>
    public static async Task<IReadOnlyList<Measurement>> ShuffleAsync(int openTasks)
    {
        var results = new List<Measurement>();
        var scenario = $"shuffle of {openTasks:N0} open tasks";
        using var directory = new TempDirectory("ates-bench-shuffle-");

        // Baseline first, on a journal of its own: N task.assigned events, one append each, 256 in flight (the shuffle's parallelism).
        await using (var journal = SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = directory.Sub("raw") }))
        {
            var assigned = new TaskAssigned(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 15, AssignReasons.Shuffle, Guid.NewGuid(), "Open task", "UBERPOP-3");
            var elapsed = await RawAppendsAsync(journal, openTasks, 256, i =>
            {
                var taskId = Guid.CreateVersion7();
                return (BenchEvents.TaskStream(taskId), [BenchEvents.New(assigned with { TaskId = taskId }, DateTimeOffset.UtcNow)]);
            });
            results.Add(new Measurement(scenario, "baseline: raw task.assigned appends, 256 in flight", openTasks, elapsed, 0, 0, 0, $"{elapsed.TotalSeconds:F2} s"));
        }

        await using (var journal = SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = directory.Sub("silo") }))
        {
            // Orleans' default response timeout (30 s) would fail a shuffle that takes longer (as it would through the API);
            // the bench waits it out to measure it, and says so in the row.
            await using var silo = await BenchSilo.StartAtesAsync(journal, o => o.DayCloseCheckPeriod = TimeSpan.FromDays(1),
                s => s.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMinutes(10)));
            var admin = (await silo.RegisterAsync(Roles.Admin, 1))[0];
            var workers = await silo.RegisterAsync(Roles.Worker, Workers);

            // N open tasks, as ITaskGrain.Create writes them, straight to the journal; then the subscriptions bill them.
            var prep = Stopwatch.GetTimestamp();
            await RawAppendsAsync(journal, openTasks, 256, _ =>
            {
                var (taskId, events, _) = BenchEvents.TaskCreation(admin.Id, workers[Random.Shared.Next(workers.Count)].Id, DateTimeOffset.UtcNow, "Open task", "UBERPOP-3");
                return (BenchEvents.TaskStream(taskId), events);
            });
            var written = Stopwatch.GetElapsedTime(prep);
            var settled = await silo.SettleAsync(TimeSpan.FromMinutes(10));

            var board = silo.Grains.GetGrain<ITaskBoardGrain>(Singletons.Key);
            var listing = Stopwatch.GetTimestamp();
            await board.List(null, null, null, 1, null, null); // activates the board: it reads the log once, as it would have long before a shuffle
            var listed = Stopwatch.GetElapsedTime(listing);

            foreach (var round in new[] { "cold task grains", "warm task grains" })
            {
                GC.Collect();
                var allocated = GC.GetTotalAllocatedBytes(true);
                var start = Stopwatch.GetTimestamp();
                var reassigned = await board.Shuffle(admin.Id);
                var elapsed = Stopwatch.GetElapsedTime(start);
                var bytes = (GC.GetTotalAllocatedBytes(true) - allocated) / (double)Math.Max(1, reassigned);
                var after = await silo.SettleAsync(TimeSpan.FromMinutes(10));
                var note = $"{elapsed.TotalSeconds:F2} s, target ≤ 3 s; {round}" + (reassigned == openTasks ? "" : $"; ONLY {reassigned:N0} REASSIGNED") +
                           (elapsed > TimeSpan.FromSeconds(30) ? "; longer than Orleans' default 30 s response timeout (raised here): the call fails with the default" : "") +
                           $"; subscriptions settled {after.TotalSeconds:F1} s later";
                if (round == "cold task grains")
                    note += $"; prep: {openTasks:N0} tasks written in {written.TotalSeconds:F1} s, billed in {settled.TotalSeconds:F1} s, board's first listing {listed.TotalSeconds:F2} s";
                results.Add(new Measurement(scenario, $"Ates: ITaskBoardGrain.Shuffle, {round}", reassigned, elapsed, 0, 0, bytes, note));
            }
        }
        // Ates rows first, then the baseline.
        return [.. results.Skip(1), results[0]];
    }

    /// <summary>Day close for N accounts with positive balances (target: 10,000 in ≤ 2 s), beside N raw payout appends.</summary>
    public static async Task<IReadOnlyList<Measurement>> DayCloseAsync(int accounts)
    {
        var results = new List<Measurement>();
        var scenario = $"day close, {accounts:N0} accounts";
        using var directory = new TempDirectory("ates-bench-dayclose-");
        // A business day that ended before the real now: the subscriptions' watermark (real time once caught up) is past it.
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-3);
        var clock = new FakeTimeProvider(new DateTimeOffset(day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero));

        await using (var journal = SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = directory.Sub("silo") }))
        {
            // N workers in the registry's stream and a completed task each (fee 12, reward 30: +18 $), as the grains would write them.
            var prep = Stopwatch.GetTimestamp();
            var at = clock.GetUtcNow();
            var manager = Guid.CreateVersion7(at);
            var users = new List<NewEvent> { BenchEvents.New(new UserRegistered(manager, "manager@bench.test", "Manager", Roles.Manager, "not-a-real-hash"), at) };
            var workers = Enumerable.Range(0, accounts).Select(_ => Guid.CreateVersion7(at)).ToArray();
            users.AddRange(workers.Select((w, i) => BenchEvents.New(new UserRegistered(w, $"worker{i}@bench.test", $"Worker {i}", Roles.Worker, "not-a-real-hash"), at)));
            long version = 0;
            foreach (var chunk in users.Chunk(1_000)) version = (await journal.AppendAsync(BenchEvents.UsersStream, version, chunk)).NextExpectedVersion;
            await RawAppendsAsync(journal, accounts, 256, i =>
            {
                var taskId = Guid.CreateVersion7(at);
                return (BenchEvents.TaskStream(taskId),
                [
                    BenchEvents.New(new TaskCreated(taskId, "Earning task", null, null, 12, 30, manager), at),
                    BenchEvents.New(new TaskAssigned(taskId, workers[i], null, 12, AssignReasons.Created, null, "Earning task", null), at),
                    BenchEvents.New(new TaskCompleted(taskId, workers[i], 30, "Earning task", null), at),
                ]);
            });
            var written = Stopwatch.GetElapsedTime(prep);

            await using var silo = await BenchSilo.StartAtesAsync(journal, o =>
            {
                o.Clock = clock;
                o.DayCloseCheckPeriod = TimeSpan.FromDays(1); // the bench closes the day itself
            });
            var settled = await silo.SettleAsync(TimeSpan.FromMinutes(10));
            clock.Advance(TimeSpan.FromDays(1));

            var billingDay = silo.Grains.GetGrain<IBillingDayGrain>(BusinessCalendar.Key(day));
            GC.Collect();
            var allocated = GC.GetTotalAllocatedBytes(true);
            var start = Stopwatch.GetTimestamp();
            var result = await billingDay.Close();
            var elapsed = Stopwatch.GetElapsedTime(start);
            var bytes = (GC.GetTotalAllocatedBytes(true) - allocated) / (double)Math.Max(1, result.AccountsPaid);
            await silo.SettleAsync(TimeSpan.FromMinutes(10));
            var invariants = await LedgerInvariants.CheckAsync(journal, BenchEvents.Serializer);
            results.Add(new Measurement(scenario, "Ates: IBillingDayGrain.Close", result.AccountsPaid, elapsed, 0, 0, bytes,
                $"{elapsed.TotalSeconds:F2} s, target ≤ 2 s; paid {result.PaidOut:N0} $ to {result.AccountsPaid:N0}" + (result.AccountsPaid == accounts ? "" : $" OF {accounts:N0}") +
                $"; prep: written in {written.TotalSeconds:F1} s, billed in {settled.TotalSeconds:F1} s; LedgerInvariants after the close: " +
                (invariants.Holds ? $"hold ({invariants.Payouts:N0} payouts)" : $"{invariants.Violations.Count} VIOLATIONS: {invariants.Violations[0]}")));
        }

        await using (var journal = SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = directory.Sub("raw") }))
        {
            var at = clock.GetUtcNow();
            var elapsed = await RawAppendsAsync(journal, accounts, 128, _ =>
            {
                var account = Guid.CreateVersion7();
                return (BenchEvents.AccountStream(account), [BenchEvents.New(BenchEvents.PayoutEntry(account, 18, day, at), at)]);
            });
            results.Add(new Measurement(scenario, "baseline: raw payout appends, 128 in flight", accounts, elapsed, 0, 0, 0,
                $"{elapsed.TotalSeconds:F2} s (the close's own parallelism)"));
        }
        return results;
    }

    /// <summary>One durable append per item to a new stream, <paramref name="parallelism"/> in flight; returns the time taken.</summary>
    public static async Task<TimeSpan> RawAppendsAsync(IJournalStore journal, int count, int parallelism, Func<int, (string Stream, NewEvent[] Events)> item)
    {
        var start = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, ct) =>
        {
            var (stream, events) = item(i);
            await journal.AppendAsync(stream, 0, events, ct);
        });
        return Stopwatch.GetElapsedTime(start);
    }
}
