using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Ates.Grains;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;
using Ates.Storage.Postgres;

namespace Ates.Testing;

/// <summary>
/// A chaos run (docs/design.md "Proving the books"): three silo processes and a separate frontend on a throwaway PostgreSQL,
/// people creating, completing and shuffling tasks through every entry point, and a fault every few seconds (a silo
/// SIGKILLed, a silo frozen with SIGSTOP for 2–8 s, PostgreSQL crash-restarted, the frontend SIGKILLed), whatever died
/// brought back, and a business midnight crossed under it. It ends by letting the cluster settle, asking the audit and
/// checking the books independently, and reports what a user and an operator would want to know.
/// </summary>
public sealed partial class ChaosRun : IAsyncDisposable
{
    public const string KillSilo = "silo SIGKILLed";
    public const string StopSilo = "silo frozen (SIGSTOP 2–8 s)";
    public const string CrashDatabase = "PostgreSQL crash-restarted";
    public const string KillFrontend = "frontend SIGKILLed";
    public const string Midnight = "business midnight crossed";

    private static readonly string[] RandomFaults = [KillSilo, StopSilo, CrashDatabase, KillFrontend];
    private static readonly string[] Workers = ["worker0", "worker1", "worker2"];
    private static readonly TimeSpan RecoveryCap = TimeSpan.FromSeconds(90);

    private readonly Random _random;
    private readonly Action<string> _log;
    private readonly PostgresTestServer _server;
    private readonly Dictionary<string, string> _settings;
    private readonly List<SiloProcess> _silos = [];
    private readonly List<SiloProcess> _retired = [];
    private SiloProcess _frontend = null!;
    private readonly Dictionary<string, string> _tokens = [];
    private readonly ConcurrentDictionary<Guid, string> _created = new();
    private readonly ConcurrentDictionary<Guid, bool> _completed = new();
    private readonly ConcurrentDictionary<string, List<TimeSpan>> _recoveries = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly object _gate = new();
    private long _lastCreation;
    private long _longestGap;
    private long _longestGapStart;
    private readonly List<(TimeSpan At, string Kind)> _faultLog = [];
    private int _failedRequests;
    private int _gaveUp;
    private int _shuffles;
    private int _completions;
    private int _next;

    private ChaosRun(PostgresTestServer server, string database, DateTimeOffset businessStart, int seed, Action<string> log)
    {
        _server = server;
        _random = new Random(seed);
        _log = log;
        Database = database;
        _settings = new Dictionary<string, string>
        {
            ["Ates__Storage"] = "Postgres",
            ["ConnectionStrings__Ates"] = database,
            ["Ates__SeedDemoUsers"] = "true",
            ["Ates__ClockOffset"] = (businessStart - DateTimeOffset.UtcNow).ToString("c", CultureInfo.InvariantCulture),
        };
    }

    public string Database { get; }

    /// <summary>Runs the chaos for <paramref name="duration"/>; the business clock crosses midnight at 45 % of it.</summary>
    public static async Task<ChaosReport> RunAsync(TimeSpan duration, int seed = 7, Action<string>? log = null)
    {
        log ??= _ => { };
        var server = await PostgresTestServer.StartThrowawayAsync();
        await using var _ = server;
        var midnight = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(1), TimeSpan.Zero);
        var untilMidnight = duration * 0.45 + TimeSpan.FromSeconds(20); // the start takes ~20 s
        await using var run = new ChaosRun(server, await server.CreateDatabaseAsync(), midnight - untilMidnight, seed, log);
        return await run.RunAsync(duration, midnight);
    }

    private async Task<ChaosReport> RunAsync(TimeSpan duration, DateTimeOffset businessMidnight)
    {
        for (var i = 0; i < 3; i++) _silos.Add(StartSilo());
        await Task.WhenAll(_silos.Select(s => s.WaitReadyAsync(TimeSpan.FromSeconds(120))));
        _frontend = SiloProcess.Start(_settings, assembly: "Ates.Client.dll");
        await _frontend.WaitReadyAsync(TimeSpan.FromSeconds(120));
        foreach (var user in Workers.Append("manager").Append("accountant").Append("admin")) await SignInAsync(user);
        _log($"cluster up in {_clock.Elapsed.TotalSeconds:F0} s: 3 silos, a frontend; chaos for {duration.TotalSeconds:F0} s");

        using var stop = new CancellationTokenSource();
        var start = _clock.Elapsed;
        _lastCreation = _clock.ElapsedTicks;
        var people = new List<Task> { Task.Run(() => ManagerAsync(stop.Token)) };
        people.AddRange(Workers.Select(w => Task.Run(() => WorkerAsync(w, stop.Token))));
        var midnightWatch = Task.Run(() => MidnightAsync(businessMidnight, stop.Token));

        var faults = 0;
        var order = RandomFaults.OrderBy(_ => _random.Next()).ToArray();
        while (_clock.Elapsed - start < duration)
        {
            await Task.Delay(TimeSpan.FromSeconds(3 + _random.NextDouble() * 3)); // the pause between faults is the scenario
            if (_clock.Elapsed - start >= duration) break;
            var kind = order[faults++ % order.Length];
            var injected = _clock.Elapsed;
            lock (_gate) _faultLog.Add((injected, kind));
            await InjectAsync(kind);
            var recovered = await RecoveredAsync(injected);
            _recoveries.GetOrAdd(kind, _ => []).Add(recovered);
            _log($"{_clock.Elapsed.TotalSeconds,6:F1} s  {kind}: served again by every entry point {recovered.TotalSeconds:F2} s after");
        }

        await stop.CancelAsync();
        await Task.WhenAll(people);
        var loadEnded = _clock.Elapsed;
        var last = Interlocked.Read(ref _lastCreation);
        var tail = _clock.ElapsedTicks - last;
        lock (_gate)
        {
            if (tail > _longestGap) (_longestGap, _longestGapStart) = (tail, last);
        }
        await midnightWatch;
        return await FinishAsync(loadEnded - start, businessMidnight);
    }

    private SiloProcess StartSilo()
    {
        var environment = new Dictionary<string, string>(_settings)
        {
            ["Ates__Orleans__SiloPort"] = SiloProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Ates__Orleans__GatewayPort"] = SiloProcess.FreePort().ToString(CultureInfo.InvariantCulture),
        };
        return SiloProcess.Start(environment);
    }

    private IReadOnlyList<SiloProcess> EntryPoints()
    {
        lock (_gate) return [.. _silos, _frontend];
    }

    private async Task SignInAsync(string user)
    {
        var through = EntryPoints()[0];
        using var response = await through.Http.PostAsJsonAsync("/api/auth/token", new { email = $"{user}@ates.local", password = user });
        response.EnsureSuccessStatusCode();
        _tokens[user] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    /// <summary>
    /// A client of one entry point. It gives up after 2 s, as the frontend answers a call whose silo died within 2 s.
    /// A frozen entry point answers nothing, and a person would not wait on it longer either: they retry elsewhere.
    /// </summary>
    private AtesClient Client(string user, SiloProcess through, TimeSpan? timeout = null)
    {
        var http = new HttpClient { BaseAddress = new Uri(through.Url), Timeout = timeout ?? TimeSpan.FromSeconds(2) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", _tokens[user]);
        return new AtesClient(http);
    }

    private SiloProcess AnyEntryPoint()
    {
        var all = EntryPoints();
        return all[Interlocked.Increment(ref _next) % all.Count];
    }

    private async Task<ChaosReport> FinishAsync(TimeSpan chaos, DateTimeOffset businessMidnight)
    {
        await RecoveredAsync(_clock.Elapsed);
        var admin = Client("admin", _silos[0], TimeSpan.FromSeconds(30));
        var settled = Stopwatch.StartNew();
        while (settled.Elapsed < TimeSpan.FromMinutes(2))
        {
            try
            {
                var status = await admin.Http.GetFromJsonAsync<JsonElement>("/api/cluster");
                if (status.GetProperty("subscriptions").EnumerateArray().All(s => s.GetProperty("lag").GetInt64() == 0)) break;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // ask again
            }
            await Task.Delay(200); // another process's progress: nothing to await but its answer
        }
        _log($"settled {settled.Elapsed.TotalSeconds:F1} s after the load");

        var accountant = Client("accountant", _silos[0], TimeSpan.FromMinutes(10));
        AuditDto audit;
        var auditing = Stopwatch.StartNew();
        do
        {
            audit = await accountant.AuditAsync();
            if (audit.Pending > 0) await Task.Delay(200); // billing's checkpoints move a moment after its lag reaches 0
        } while (audit.Pending > 0 && auditing.Elapsed < TimeSpan.FromMinutes(1));

        // Independent checks: acknowledged work is there; from the journal, one task per creation (its title names
        // the creation), one fee per assignment, one reward per completion, each ledger adding up to its balance.
        var manager = Client("manager", _silos[0], TimeSpan.FromSeconds(30));
        var lost = new List<string>();
        foreach (var (id, title) in _created)
        {
            try
            {
                var task = await manager.GetTaskAsync(id);
                if (_completed.ContainsKey(id) && task.Status != TaskStatuses.Done) lost.Add($"completion of {title} ({id})");
            }
            catch (AtesApiException ex) when (ex.Status == System.Net.HttpStatusCode.NotFound)
            {
                lost.Add($"{title} ({id})");
            }
        }
        await using var journal = await PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = Database });
        var serializer = DomainEvents.Serializer();
        var titles = new Dictionary<string, int>();
        var after = JournalPosition.Start;
        while (true)
        {
            var page = await journal.ReadLogAsync(after, 4096);
            foreach (var e in page.Where(e => e.Type == "task.created"))
            {
                var title = serializer.Deserialize(e) switch { TaskCreated c => c.Title, TaskCreatedV1 v1 => v1.Title, _ => "" };
                if (!title.StartsWith("chaos probe", StringComparison.Ordinal)) titles[title] = titles.GetValueOrDefault(title) + 1;
            }
            if (page.Count == 0) break;
            after = page[^1].Position;
        }
        var twice = titles.Where(t => t.Value > 1).Select(t => $"{t.Key} created {t.Value} times").ToList();
        var invariants = await LedgerInvariants.CheckAsync(journal, serializer);

        var faults = _recoveries.ToDictionary(r => r.Key, r => (IReadOnlyList<TimeSpan>)r.Value.OrderBy(t => t).ToList());
        var gapStart = TimeSpan.FromSeconds(_longestGapStart / (double)Stopwatch.Frequency);
        var before = _faultLog.LastOrDefault(f => f.At <= gapStart + TimeSpan.FromSeconds(1));
        var gapCause = before.Kind is null ? "before any fault" : $"from {(gapStart - before.At).TotalSeconds:F1} s after the fault \"{before.Kind}\"";
        return new ChaosReport(chaos, faults, _created.Count(c => c.Value != "probe"), _created.Count(c => c.Value == "probe"), _completions, _shuffles,
            _failedRequests, _gaveUp, lost, twice, audit, invariants, TimeSpan.FromTicks((long)(_longestGap * (double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)),
            EntryPoints().Concat(_retired).Sum(s => s.Logged.Errors), BusinessCalendar.Key(DateOnly.FromDateTime(businessMidnight.UtcDateTime.AddDays(-1))), gapCause);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in EntryPoints().Concat(_retired)) await process.DisposeAsync();
    }
}
