using Ates.Testing;
using System.Diagnostics;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Grains;
using Ates.Journal;
using Ates.Silo;
using Ates.Client.Gateway;
using Ates.Storage.Journal;
using Ates.Storage.Sqlite;
using Ates.Storage.Streams;
using Microsoft.AspNetCore.Identity;

namespace Ates.Bench;

/// <summary>
/// The real silo process started on a SQLite journal of N events (target: 1,000,000, serving in ≤ 5 s): time from process
/// start until <c>/health/ready</c> answers 200, a sign-in and a task creation succeed, and until the task board's first
/// listing (from its rows in the journal file). Baseline: the same start on a journal that holds only the demo users.
/// </summary>
public static class RestartBench
{
    private const int Users = 1_000;

    public static async Task<IReadOnlyList<Measurement>> RunAsync(int events)
    {
        var results = new List<Measurement>();
        var scenario = $"restart with {events:N0} events in the journal";
        using var directory = new TempDirectory("ates-bench-restart-");

        // Baseline: an empty data directory. The first start creates the journal and seeds the demo users (and warms the OS
        // file cache for the binaries); the second start, on that journal, is the baseline restart.
        var empty = directory.Sub("empty");
        var first = await StartAndServeAsync(empty);
        var baseline = await StartAndServeAsync(empty);

        var full = directory.Sub("full");
        var prep = await WriteJournalAsync(full, events);
        var restart = await StartAndServeAsync(full);

        results.Add(new Measurement(scenario, "Ates: process start → serving", 1, restart.Created, 0, 0, 0,
            $"{restart.Created.TotalSeconds:F2} s, target ≤ 5 s ({restart}); journal of {prep.Events:N0} events, {prep.Megabytes:N0} MB, " +
            $"written in {prep.Elapsed.TotalSeconds:F1} s by raw appends; LedgerInvariants on it: {prep.Invariants}"));
        results.Add(new Measurement(scenario, "Ates: process start → task board's first listing", 1, restart.Listed, 0, 0, 0,
            $"{restart.Listed.TotalSeconds:F2} s (target ≤ 1 s after serving; the board reads its rows; first page: {restart.Listing} tasks)"));
        results.Add(new Measurement(scenario, "Ates: GET /api/accounting/audit, the first after the start", 1, restart.Audited, 0, 0, 0,
            $"{restart.Audited.TotalSeconds:F2} s: {Describe(restart.Audit)} (baseline: LedgerInvariants, a plain read and decode of the same journal in-process: " +
            $"{prep.InvariantsTime.TotalSeconds:F2} s); on the empty journal: {baseline.Audited.TotalSeconds:F2} s"));
        results.Add(new Measurement(scenario, "baseline: restart on an empty journal → serving", 1, baseline.Created, 0, 0, 0,
            $"{baseline.Created.TotalSeconds:F2} s ({baseline}); very first start (creates the journal, seeds the demo users): {first.Created.TotalSeconds:F2} s"));
        results.Add(new Measurement(scenario, "baseline: restart on an empty journal → task board's first listing", 1, baseline.Listed, 0, 0, 0,
            $"{baseline.Listed.TotalSeconds:F2} s"));
        return results;
    }

    private sealed record Served(TimeSpan Ready, TimeSpan SignedIn, TimeSpan Created, TimeSpan Listed, int Listing, TimeSpan Audited, AuditDto Audit, TimeSpan Stopped,
        int ExitCode, int SignInAttempts, int Warnings, int Errors)
    {
        public override string ToString() =>
            $"ready {Ready.TotalSeconds:F2} s, signed in {SignedIn.TotalSeconds:F2} s, task created {Created.TotalSeconds:F2} s" +
            (SignInAttempts > 1 ? $" ({SignInAttempts} sign-in attempts)" : "") + $"; SIGTERM → exit {ExitCode} in {Stopped.TotalSeconds:F1} s; " +
            $"silo logged {Warnings} warnings, {Errors} errors";
    }

    private static async Task<Served> StartAndServeAsync(string dataDirectory)
    {
        await using var silo = SiloProcess.Start(new Dictionary<string, string>
        {
            ["Ates__DataDirectory"] = dataDirectory,
            ["Ates__SeedDemoUsers"] = "true",
        });
        var ready = await silo.WaitReadyAsync();
        var client = new AtesClient(silo.Http);
        var attempts = 0;
        while (true)
        {
            attempts++;
            try
            {
                await client.SignInAsync("manager@ates.local", "manager");
                break;
            }
            catch (AtesApiException ex) when (ex.Status == System.Net.HttpStatusCode.Unauthorized && attempts < 8)
            {
                await Task.Delay(250); // ready, but the demo users are still being seeded (first start only); sign-in is rate limited to 10 a minute
            }
        }
        var signedIn = silo.SinceStart;
        await client.CreateTaskAsync("Restart probe", "UBERPOP-9");
        var created = silo.SinceStart;
        var page = await client.ListTasksAsync(limit: 50);
        var listed = silo.SinceStart;
        // The audit of the books, as an accountant asks for it, while billing delivers the probe's fee.
        var accountant = new AtesClient(new HttpClient { BaseAddress = silo.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(10) });
        await accountant.SignInAsync("accountant@ates.local", "accountant");
        var auditStart = Stopwatch.GetTimestamp();
        var audit = await accountant.AuditAsync();
        var audited = Stopwatch.GetElapsedTime(auditStart);
        var (stopped, exitCode) = await silo.StopAsync(TimeSpan.FromSeconds(60));
        var (warnings, errors) = silo.Logged;
        return new Served(ready, signedIn, created, listed, page.Items.Count, audited, audit, stopped, exitCode, attempts, warnings, errors);
    }

    private sealed record Prepared(long Events, TimeSpan Elapsed, double Megabytes, string Invariants, TimeSpan InvariantsTime);

    private static string Describe(AuditDto audit) =>
        $"ok {audit.Ok}, {audit.Events:N0} events, {audit.Tasks:N0} tasks, {audit.Accounts:N0} accounts, {audit.Days} days, {audit.Pending} pending, " +
        $"{audit.Differences.Count} differences" + (audit.Differences.Count > 0 ? $" (first: {audit.Differences[0].Kind}: {audit.Differences[0].Detail})" : "");

    /// <summary>
    /// A journal as a silo that has been running for a while leaves it: the demo users (hashed as the silo hashes them)
    /// and ~1,000 more users; tasks created and assigned, half of them completed; each assignment's fee and each
    /// completion's reward on the assignee's account, with running balances, one append per account per round as the
    /// account grain does. Every subscription's checkpoint is at the head, as a silo that shut down cleanly leaves it
    /// (so a start does not re-deliver the whole log; the derived events of accounting, analytics and notifications are
    /// not written). Raw group-committed appends, many in flight.
    /// </summary>
    private static async Task<Prepared> WriteJournalAsync(string dataDirectory, int target)
    {
        var start = Stopwatch.GetTimestamp();
        long written = 0;
        TimeSpan elapsed;
        string invariants;
        TimeSpan invariantsTime;
        await using (var journal = SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = dataDirectory }))
        {
            var at = DateTimeOffset.UtcNow;
            var hasher = new PasswordHasher<AtesUser>();
            var users = new List<UserRegistered>();
            foreach (var (name, role) in DemoUsers.All)
                users.Add(new UserRegistered(Guid.CreateVersion7(at), $"{name}@ates.local", char.ToUpperInvariant(name[0]) + name[1..], role, hasher.HashPassword(new AtesUser(), name)));
            for (var i = users.Count; i < Users; i++) users.Add(new UserRegistered(Guid.CreateVersion7(at), $"worker{i}@bench.test", $"Worker {i}", Roles.Worker, "not-a-real-hash"));
            long usersVersion = 0;
            foreach (var chunk in users.Chunk(500))
                usersVersion = (await journal.AppendAsync(BenchEvents.UsersStream, usersVersion, chunk.Select(u => BenchEvents.New(u, at)).ToList())).NextExpectedVersion;
            written += users.Count;

            var creator = users.Single(u => u.Role == Roles.Manager).UserId;
            var assignable = users.Where(u => Roles.IsAssignable(u.Role)).Select(u => u.UserId).ToArray();
            var versions = new Dictionary<Guid, long>();
            var dayVersions = new Dictionary<string, long>();
            var balances = new Dictionary<Guid, decimal>();
            const int round = 2_000;
            var n = 0;
            while (written < target)
            {
                at = DateTimeOffset.UtcNow;
                var tasks = Enumerable.Range(0, round).Select(_ => BenchEvents.TaskCreation(creator, assignable[Random.Shared.Next(assignable.Length)], at,
                    $"Task {++n}", $"UBERPOP-{n}", n % 4 == 0 ? "Change the shade of green of the button on the accounting page" : null)).ToList();
                var createdAt = await Task.WhenAll(tasks.Select(t => journal.AppendAsync(BenchEvents.TaskStream(t.TaskId), 0, t.Events)));

                var completed = tasks.Where((_, i) => i % 2 == 0)
                    .Select(t => (Task: t, Event: BenchEvents.New(new TaskCompleted(t.TaskId, t.Assigned.AssigneeId, t.Created.Reward, t.Created.Title, t.Created.JiraId), at)))
                    .ToList();
                var completedAt = await Task.WhenAll(completed.Select(c => journal.AppendAsync(BenchEvents.TaskStream(c.Task.TaskId), 2, [c.Event])));

                // The task board's rows, as its writers leave them (the board subscription's checkpoints go to the head below).
                var finished = completed.Select(c => c.Task.TaskId).ToHashSet();
                var rows = tasks.Select((t, i) => (Partition: JournalPartitions.Of(BenchEvents.TaskStream(t.TaskId)), Row: TaskBoardRows.Row(
                    new TaskDto(t.TaskId, t.Created.Title, t.Created.JiraId, t.Created.Description, finished.Contains(t.TaskId) ? TaskStatuses.Done : TaskStatuses.Open,
                        t.Assigned.AssigneeId, t.Created.AssignFee, t.Created.Reward, at, finished.Contains(t.TaskId) ? at : null),
                    finished.Contains(t.TaskId) ? 3 : 2, createdAt[i].LastPosition.Seq - 1)));
                var last = createdAt.Select(r => r.LastPosition).Concat(completedAt.Select(r => r.LastPosition)).Max();
                foreach (var partition in rows.GroupBy(r => r.Partition))
                    await journal.ApplyAsync(TaskBoardRows.Model, partition.Key, partition.Select(r => r.Row).ToList(), last);

                var entries = new Dictionary<Guid, List<NewEvent>>();
                // The day views as accounting and analytics leave them: each entry counted into its day, each task price too.
                var dayKey = BusinessCalendar.Key(DateOnly.FromDateTime(at.UtcDateTime)); // the silo's business calendar is UTC unless configured
                var counted = new List<NewEvent>();
                var priced = new List<NewEvent>();
                void Record(Guid account, Func<decimal, Grains.Interfaces.Events.LedgerEntryRecorded> entry)
                {
                    var e = entry(balances.GetValueOrDefault(account));
                    balances[account] = e.BalanceAfter;
                    if (!entries.TryGetValue(account, out var list)) entries[account] = list = [];
                    var recorded = BenchEvents.New(e, at);
                    list.Add(recorded);
                    counted.Add(BenchEvents.New(new BillingDayCounted(recorded.EventId, e.Kind, Math.Abs(e.Amount)), at));
                }
                foreach (var t in tasks)
                    priced.Add(BenchEvents.New(new AnalyticsTaskPriced(t.Events[1].EventId, EntryKinds.AssignFee, t.Created.AssignFee, t.TaskId, t.Created.Title, t.Created.JiraId, at), at));
                foreach (var (t, e) in completed)
                    priced.Add(BenchEvents.New(new AnalyticsTaskPriced(e.EventId, EntryKinds.Reward, t.Created.Reward, t.TaskId, t.Created.Title, t.Created.JiraId, at), at));
                foreach (var t in tasks) Record(t.Assigned.AssigneeId, b => BenchEvents.FeeEntry(t.Assigned.AssigneeId, b, t.Assigned, t.Events[1].EventId, at));
                foreach (var (t, e) in completed)
                {
                    var done = new TaskCompleted(t.TaskId, t.Assigned.AssigneeId, t.Created.Reward, t.Created.Title, t.Created.JiraId);
                    Record(t.Assigned.AssigneeId, b => BenchEvents.RewardEntry(t.Assigned.AssigneeId, b, done, e.EventId, at));
                }
                var appended = await Task.WhenAll(entries.Select(async kv =>
                    (kv.Key, (await journal.AppendAsync(BenchEvents.AccountStream(kv.Key), versions.GetValueOrDefault(kv.Key), kv.Value)).NextExpectedVersion)));
                foreach (var (account, version) in appended) versions[account] = version;
                foreach (var (stream, events) in new[] { (StreamIds.For("billingday", dayKey), counted), (StreamIds.For("analyticsday", dayKey), priced) })
                    dayVersions[stream] = (await journal.AppendAsync(stream, dayVersions.GetValueOrDefault(stream), events)).NextExpectedVersion;
                written += tasks.Count * 2 + completed.Count + entries.Values.Sum(l => l.Count) + counted.Count + priced.Count;
            }

            var head = await journal.ReadHeadAsync();
            foreach (var subscription in DomainSubscriptions.All)
            {
                var epoch = await journal.ReadEpochAsync(subscription);
                for (var queue = 0; queue < JournalPartitions.Count; queue++)
                    await journal.AdvanceCheckpointAsync(new SubscriptionCheckpoint(subscription, queue, epoch, head, "bench", DateTimeOffset.UtcNow));
            }
            elapsed = Stopwatch.GetElapsedTime(start);
            // The domain's own check of the money (one fee per assignment, one reward per completion, running balances).
            var checkStart = Stopwatch.GetTimestamp();
            var report = await LedgerInvariants.CheckAsync(journal, BenchEvents.Serializer);
            invariantsTime = Stopwatch.GetElapsedTime(checkStart);
            invariants = report.Holds ? $"hold ({report.Assignments:N0} assignments, {report.Completions:N0} completions)" : $"{report.Violations.Count} VIOLATIONS: {report.Violations[0]}";
        }
        var bytes = Directory.GetFiles(dataDirectory).Sum(f => new FileInfo(f).Length);
        return new Prepared(written, elapsed, bytes / 1e6, invariants, invariantsTime);
    }
}
