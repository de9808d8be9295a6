using System.Diagnostics;
using System.Text.Json;
using Ates.Grains;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Runtime;
using Ates.Runtime.Storage.Embedded;
using Ates.Runtime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ates.Bench;

/// <summary>The aTES domain on one embedded silo with fsync on, each scenario beside raw appends of the same events.</summary>
public static class DomainBench
{
    private static async Task<(TestCluster Cluster, string Directory)> StartAsync(TimeProvider? time = null, Func<TimeProvider, IAtesStore>? store = null)
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("ates-bench-domain-").FullName;
        var cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            InitialSilos = 1,
            Time = time ?? TimeProvider.System,
            CreateStore = store ?? (t => EmbeddedStore.Open(new EmbeddedStoreOptions { DataDirectory = directory }, t)),
            ConfigureSilo = silo =>
            {
                silo.AddAtesDomain(o => o.DayCloseCheckPeriod = TimeSpan.FromDays(3650)); // the bench closes days itself
                if (time is ManualTimeProvider) silo.Configure(o => { o.LeaseTtl = TimeSpan.FromDays(3650); o.RetryBackoff = TimeSpan.Zero; });
            },
        });
        return (cluster, directory);
    }

    private static async Task StopAsync(TestCluster cluster, string directory)
    {
        await cluster.DisposeAsync();
        System.IO.Directory.Delete(directory, recursive: true);
    }

    private static async Task SettleAsync(TestCluster cluster)
    {
        var operations = cluster.Silos[0].Services.GetRequiredService<SubscriptionOperations>();
        while (true)
        {
            var all = true;
            foreach (var name in operations.Names) all &= await operations.IsCaughtUpAsync(name);
            if (all) return;
            await Task.Delay(20);
        }
    }

    private static async Task<List<UserDto>> WorkersAsync(IGrainFactory grains, int count)
    {
        var registry = grains.GetGrain<IUserRegistryGrain>(Singletons.Key);
        var users = new List<UserDto>();
        for (var i = 0; i < count; i++) users.Add(await registry.Register($"worker{i}-{Guid.NewGuid():N}@bench.test", $"Worker {i}", Roles.Worker, "hash"));
        return users;
    }

    /// <summary>
    /// Task creations and completions at full speed, then at a paced 1,000 tasks/s for the event lag; on the embedded
    /// store unless another is given (<paramref name="storeName"/> then labels the rows).
    /// </summary>
    public static async Task<IReadOnlyList<Measurement>> TasksAsync(int tasks, Func<TimeProvider, IAtesStore>? store = null, string storeName = "fsync")
    {
        var results = new List<Measurement>();
        var (cluster, directory) = await StartAsync(store: store);
        try
        {
            var grains = cluster.GrainFactory;
            var manager = await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).Register("manager@bench.test", "Manager", Roles.Manager, "hash");
            await WorkersAsync(grains, 20);
            const int callers = 64;
            var created = new TaskDto[callers][];
            var perCaller = tasks / callers;
            var next = new int[callers];
            for (var c = 0; c < callers; c++) created[c] = new TaskDto[perCaller];
            results.Add(await Load.RunAsync($"task creations ({storeName})", "Ates: ITaskGrain.Create", callers, perCaller, c => async () =>
            {
                created[c][next[c]++] = await grains.GetGrain<ITaskGrain>(Guid.CreateVersion7()).Create(new NewTask("Benchmark task", "UBERPOP-1", null), manager.Id);
            }, $"{callers} callers, 2 events each"));
            Array.Clear(next);
            results.Add(await Load.RunAsync($"task completions ({storeName})", "Ates: ITaskGrain.Complete", callers, perCaller, c => async () =>
            {
                var task = created[c][next[c]++];
                await grains.GetGrain<ITaskGrain>(task.Id).Complete(task.AssigneeId);
            }, $"{callers} callers"));
            await SettleAsync(cluster);

            // Baseline: the same two events per task appended straight to the store, same callers.
            var log = cluster.Store;
            var payload = JsonSerializer.SerializeToUtf8Bytes(new TaskAssigned(Guid.NewGuid(), Guid.NewGuid(), null, 15, AssignReasons.Created, null, "Benchmark task", "UBERPOP-1"), JsonEventSerializer.Options);
            var metadata = new EventMetadata(DateTimeOffset.UtcNow, null, null, null, null);
            results.Add(await Load.RunAsync($"task creations ({storeName})", "baseline: raw 2-event appends", callers, perCaller, _ => () =>
            {
                var stream = $"raw/{Guid.NewGuid():N}";
                return log.AppendAsync(stream, 0, stream, [new EventData(Guid.CreateVersion7(), "raw.a", 1, payload, metadata), new EventData(Guid.CreateVersion7(), "raw.b", 1, payload, metadata)]);
            }, $"{callers} callers"));

            // Event lag at a paced 1,000 tasks/s: from the task event's occurred-at to its ledger entry's occurred-at.
            var mark = (await log.ReadAllAsync(LogPosition.Start, int.MaxValue)).Count;
            var pacedTasks = Math.Min(5_000, tasks);
            var start = Stopwatch.GetTimestamp();
            var inflight = new List<Task>();
            // 10 tasks every 10 ms: a steady 1,000/s without a spinning loop stealing one of the two cores.
            using (var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(10)))
            {
                while (inflight.Count < pacedTasks && await pace.WaitForNextTickAsync())
                {
                    var due = Math.Min(pacedTasks, (int)(Stopwatch.GetElapsedTime(start).TotalMilliseconds) + 10);
                    while (inflight.Count < due)
                        inflight.Add(grains.GetGrain<ITaskGrain>(Guid.CreateVersion7()).Create(new NewTask("Paced task", null, null), manager.Id));
                }
            }
            await Task.WhenAll(inflight);
            var pacedElapsed = Stopwatch.GetElapsedTime(start);
            await SettleAsync(cluster);
            var lags = await LedgerLagsAsync(cluster, mark);
            results.Add(new Measurement($"event lag, task → ledger entry ({storeName})", $"at {pacedTasks / pacedElapsed.TotalSeconds:N0} tasks/s", lags.Length, pacedElapsed,
                Percentile(lags, 0.50), Percentile(lags, 0.99), 0, $"max {lags.Max():F0} µs, {lags.Length} entries"));
        }
        finally
        {
            await StopAsync(cluster, directory);
        }
        return results;
    }

    private static async Task<double[]> LedgerLagsAsync(TestCluster cluster, int skip)
    {
        var serializer = cluster.Silos[0].Services.GetRequiredService<IEventSerializer>();
        var events = (await cluster.Store.ReadAllAsync(LogPosition.Start, int.MaxValue)).Skip(skip).ToList();
        var occurred = events.ToDictionary(e => e.EventId.ToString(), e => e.Metadata.OccurredAt);
        return events.Where(e => e.Type == "ledger.entry-recorded")
            .Select(e => (Entry: (LedgerEntryRecorded)serializer.Deserialize(e), e.Metadata.OccurredAt))
            .Where(x => occurred.ContainsKey(x.Entry.SourceId))
            .Select(x => (x.OccurredAt - occurred[x.Entry.SourceId]).TotalMicroseconds)
            .Order().ToArray();
    }

    /// <summary>The baseline of the single-shot scenarios: one durable append per item to its own stream, with the same parallelism.</summary>
    private static async Task<TimeSpan> RawAppendsAsync(IEventStore store, string streamPrefix, int count, int parallelism, byte[] payload)
    {
        var metadata = new EventMetadata(DateTimeOffset.UtcNow, null, null, null, null);
        var start = Stopwatch.GetTimestamp();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (i, _) =>
        {
            var stream = $"{streamPrefix}/{i}";
            await store.AppendAsync(stream, 0, stream, [new EventData(Guid.CreateVersion7(), $"{streamPrefix}.appended", 1, payload, metadata)]);
        });
        return Stopwatch.GetElapsedTime(start);
    }

    private static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[(int)Math.Min(sorted.Length - 1, q * sorted.Length)];

    /// <summary>Shuffle of N open tasks (target: 100,000 in ≤ 3 s), beside N raw task.assigned appends.</summary>
    public static async Task<IReadOnlyList<Measurement>> ShuffleAsync(int openTasks)
    {
        var results = new List<Measurement>();
        var (cluster, directory) = await StartAsync();
        try
        {
            var grains = cluster.GrainFactory;
            var admin = await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).Register("admin@bench.test", "Admin", Roles.Admin, "hash");
            await WorkersAsync(grains, 20);
            await Parallel.ForEachAsync(Enumerable.Range(0, openTasks), new ParallelOptions { MaxDegreeOfParallelism = 128 }, async (_, _) =>
                await grains.GetGrain<ITaskGrain>(Guid.CreateVersion7()).Create(new NewTask("Open task", null, null), admin.Id));
            await SettleAsync(cluster);

            var board = grains.GetGrain<ITaskBoardGrain>(Singletons.Key);
            await board.List(null, null, 1, null); // the board reads the log once, as it would have long before a shuffle
            GC.Collect();
            var allocated = GC.GetTotalAllocatedBytes(true);
            var start = Stopwatch.GetTimestamp();
            var reassigned = await board.Shuffle(admin.Id);
            var elapsed = Stopwatch.GetElapsedTime(start);
            results.Add(new Measurement($"shuffle of {openTasks:N0} open tasks", "Ates: ITaskBoardGrain.Shuffle", reassigned, elapsed, 0, 0,
                (GC.GetTotalAllocatedBytes(true) - allocated) / (double)reassigned, $"{elapsed.TotalSeconds:F2} s, target ≤ 3 s"));

            var payload = JsonSerializer.SerializeToUtf8Bytes(new TaskAssigned(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 15, AssignReasons.Shuffle, Guid.NewGuid(), "Open task", null), JsonEventSerializer.Options);
            elapsed = await RawAppendsAsync(cluster.Store, "rawshuffle", openTasks, 256, payload);
            results.Add(new Measurement($"shuffle of {openTasks:N0} open tasks", "baseline: raw appends, 256 in flight", openTasks, elapsed, 0, 0, 0, $"{elapsed.TotalSeconds:F2} s"));
        }
        finally
        {
            await StopAsync(cluster, directory);
        }
        return results;
    }

    /// <summary>Day close for N accounts with positive balances (target: 10,000 in ≤ 2 s), beside N raw payout appends.</summary>
    public static async Task<IReadOnlyList<Measurement>> DayCloseAsync(int accounts)
    {
        var results = new List<Measurement>();
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero));
        var (cluster, directory) = await StartAsync(time);
        try
        {
            var grains = cluster.GrainFactory;
            var workers = await WorkersAsync(grains, accounts);
            // Every account earns: a completed task each, written as a producer would (prices on the events).
            var store = cluster.Store;
            var metadata = new EventMetadata(time.GetUtcNow(), null, null, null, null);
            await Parallel.ForEachAsync(workers, new ParallelOptions { MaxDegreeOfParallelism = 128 }, async (worker, _) =>
            {
                var taskId = Guid.NewGuid();
                var stream = $"task/{taskId:N}";
                byte[] Json<T>(T e) => JsonSerializer.SerializeToUtf8Bytes(e, JsonEventSerializer.Options);
                await store.AppendAsync(stream, 0, stream,
                [
                    new EventData(Guid.CreateVersion7(), "task.created", 2, Json(new TaskCreated(taskId, "Earning task", null, null, 12, 30, worker.Id)), metadata),
                    new EventData(Guid.CreateVersion7(), "task.assigned", 1, Json(new TaskAssigned(taskId, worker.Id, null, 12, AssignReasons.Created, null, "Earning task", null)), metadata),
                    new EventData(Guid.CreateVersion7(), "task.completed", 1, Json(new TaskCompleted(taskId, worker.Id, 30, "Earning task", null)), metadata),
                ]);
            });
            await SettleAsync(cluster);
            time.Advance(TimeSpan.FromDays(1));

            var day = grains.GetGrain<IBillingDayGrain>("2026-03-02");
            GC.Collect();
            var start = Stopwatch.GetTimestamp();
            var result = await day.Close();
            var elapsed = Stopwatch.GetElapsedTime(start);
            results.Add(new Measurement($"day close, {accounts:N0} accounts", "Ates: IBillingDayGrain.Close", result.AccountsPaid, elapsed, 0, 0, 0,
                $"{elapsed.TotalSeconds:F2} s, paid {result.PaidOut:N0} $, target ≤ 2 s"));

            var payload = JsonSerializer.SerializeToUtf8Bytes(new LedgerEntryRecorded(Guid.NewGuid(), Guid.NewGuid(), EntryKinds.Payout, -18, 0, null, "Payout", "payout:2026-03-02", time.GetUtcNow(), new DateOnly(2026, 3, 2)), JsonEventSerializer.Options);
            elapsed = await RawAppendsAsync(store, "rawpayout", accounts, 128, payload);
            results.Add(new Measurement($"day close, {accounts:N0} accounts", "baseline: raw payout appends, 128 in flight", accounts, elapsed, 0, 0, 0, $"{elapsed.TotalSeconds:F2} s"));
        }
        finally
        {
            await StopAsync(cluster, directory);
        }
        return results;
    }
}
