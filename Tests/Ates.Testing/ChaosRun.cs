using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ates.Client;
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
public sealed class ChaosRun : IAsyncDisposable
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

    /// <summary>
    /// One logical creation: the same Idempotency-Key on every attempt, through whichever entry point is next, until it
    /// is acknowledged (or, after a minute, given up: then it was never promised).
    /// </summary>
    private async Task<bool> CreateAsync(string user, string title, CancellationToken stop)
    {
        var key = Guid.NewGuid().ToString();
        var deadline = _clock.Elapsed + TimeSpan.FromMinutes(1);
        while (_clock.Elapsed < deadline)
        {
            try
            {
                var task = await Client(user, AnyEntryPoint()).CreateTaskAsync(title, idempotencyKey: key);
                _created[task.Id] = title;
                var now = _clock.ElapsedTicks;
                var gap = now - Interlocked.Exchange(ref _lastCreation, now);
                lock (_gate)
                {
                    if (gap > _longestGap) (_longestGap, _longestGapStart) = (gap, now - gap);
                }
                return true;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException { Status: >= System.Net.HttpStatusCode.InternalServerError })
            {
                Interlocked.Increment(ref _failedRequests);
                if (stop.IsCancellationRequested) return false; // the run is over: this person stops asking
                await Task.Delay(200, CancellationToken.None); // a client's back-off before it retries with the same key
            }
        }
        Interlocked.Increment(ref _gaveUp);
        return false;
    }

    private async Task ManagerAsync(CancellationToken stop)
    {
        var lastShuffle = _clock.Elapsed;
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            if (_clock.Elapsed - lastShuffle > TimeSpan.FromSeconds(10))
            {
                lastShuffle = _clock.Elapsed;
                try
                {
                    await Client("manager", AnyEntryPoint(), TimeSpan.FromMinutes(1)).ShuffleAsync(); // every open task: seconds, not milliseconds
                    Interlocked.Increment(ref _shuffles);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException)
                {
                    Interlocked.Increment(ref _failedRequests); // not acknowledged: it may or may not have happened, the audit judges either
                }
                continue;
            }
            await CreateAsync("manager", $"chaos task m{n}", stop);
        }
    }

    private async Task WorkerAsync(string worker, CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            if (Random.Shared.Next(2) == 0)
            {
                await CreateAsync(worker, $"chaos task {worker}-{n}", stop);
                continue;
            }
            try
            {
                var me = Client(worker, AnyEntryPoint());
                var open = (await me.ListTasksAsync("me", TaskStatuses.Open, 20)).Items;
                if (open.Count == 0) continue;
                var done = await me.CompleteTaskAsync(open[Random.Shared.Next(open.Count)].Id);
                _completed[done.Id] = true;
                Interlocked.Increment(ref _completions);
            }
            catch (AtesApiException ex) when ((int)ex.Status is 404 or 409)
            {
                // completed meanwhile, or reassigned by a shuffle: refused, nothing changed
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException)
            {
                Interlocked.Increment(ref _failedRequests);
                await Task.Delay(200, CancellationToken.None);
            }
        }
    }

    private async Task InjectAsync(string kind)
    {
        switch (kind)
        {
            case KillSilo:
            {
                var victim = Pick();
                victim.Kill();
                Replace(victim);
                break;
            }
            case StopSilo:
            {
                var victim = Pick();
                await victim.SignalAsync("STOP");
                await Task.Delay(TimeSpan.FromSeconds(2 + _random.NextDouble() * 6)); // the freeze is the fault
                await victim.SignalAsync("CONT");
                break;
            }
            case CrashDatabase:
                await _server.CrashRestartAsync();
                break;
            case KillFrontend:
            {
                _frontend.Kill();
                var next = SiloProcess.Start(_settings, assembly: "Ates.Client.dll");
                lock (_gate)
                {
                    _retired.Add(_frontend);
                    _frontend = next;
                }
                break;
            }
        }
    }

    private SiloProcess Pick()
    {
        lock (_gate) return _silos[_random.Next(_silos.Count)];
    }

    private void Replace(SiloProcess gone)
    {
        var next = StartSilo();
        lock (_gate)
        {
            _silos.Remove(gone);
            _retired.Add(gone);
            _silos.Add(next);
        }
    }

    /// <summary>
    /// After a fault: every entry point serves a creation again (a silo that the cluster declared dead while it was
    /// frozen stops itself when it wakes, and is replaced). The time from the fault until the last of them did.
    /// </summary>
    private async Task<TimeSpan> RecoveredAsync(TimeSpan injected)
    {
        var served = new HashSet<SiloProcess>();
        while (_clock.Elapsed - injected < RecoveryCap)
        {
            foreach (var silo in EntryPoints().Where(s => s.HasExited && s != _frontend).ToList()) Replace(silo);
            var pending = EntryPoints().Where(e => !served.Contains(e)).ToList();
            if (pending.Count == 0) return _clock.Elapsed - injected;
            foreach (var entry in pending)
            {
                if (await CreateOnceAsync(entry)) served.Add(entry);
            }
        }
        return _clock.Elapsed - injected;
    }

    private async Task<bool> CreateOnceAsync(SiloProcess through)
    {
        try
        {
            var task = await Client("manager", through).CreateTaskAsync($"chaos probe {Guid.NewGuid():N}");
            _created[task.Id] = "probe";
            return true;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException)
        {
            await Task.Delay(100); // not serving yet: ask again
            return false;
        }
    }

    /// <summary>The day before the business midnight closes under the load: the time from midnight until it did.</summary>
    private async Task MidnightAsync(DateTimeOffset businessMidnight, CancellationToken stop)
    {
        var offset = TimeSpan.Parse(_settings["Ates__ClockOffset"], CultureInfo.InvariantCulture);
        var realMidnight = businessMidnight - offset;
        var wait = realMidnight - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, CancellationToken.None);
        var crossed = _clock.Elapsed;
        _log($"{crossed.TotalSeconds,6:F1} s  {Midnight}");
        var day = DateOnly.FromDateTime(businessMidnight.UtcDateTime.AddDays(-1));
        while (_clock.Elapsed - crossed < TimeSpan.FromMinutes(3))
        {
            try
            {
                var accountant = Client("accountant", AnyEntryPoint());
                if ((await accountant.DaysAsync(day, day)).Single().Closed)
                {
                    _recoveries.GetOrAdd(Midnight, _ => []).Add(_clock.Elapsed - crossed);
                    _log($"{_clock.Elapsed.TotalSeconds,6:F1} s  {BusinessCalendar.Key(day)} closed, {(_clock.Elapsed - crossed).TotalSeconds:F1} s after its midnight");
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException)
            {
                // an entry point down: ask another
            }
            await Task.Delay(500, CancellationToken.None); // the reminder's next tick is what we wait for; nothing to await
        }
        _recoveries.GetOrAdd(Midnight, _ => []).Add(TimeSpan.FromMinutes(3));
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

/// <summary>What a chaos run shows: the faults and what each cost, the work done, and the books after it.</summary>
public sealed record ChaosReport(
    TimeSpan Duration,
    IReadOnlyDictionary<string, IReadOnlyList<TimeSpan>> Recoveries,
    int Created,
    int Probes,
    int Completed,
    int Shuffles,
    int FailedRequests,
    int GaveUp,
    IReadOnlyList<string> Lost,
    IReadOnlyList<string> Twice,
    AuditDto Audit,
    InvariantReport Invariants,
    TimeSpan LongestWithoutCreation,
    int ErrorsLogged,
    string DayClosed,
    string LongestStretchCause)
{
    public int Faults => Recoveries.Where(r => r.Key != ChaosRun.Midnight).Sum(r => r.Value.Count);

    public bool BooksAgree => Lost.Count == 0 && Twice.Count == 0 && Audit.Ok && Audit.Pending == 0 && Invariants.Holds;

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Chaos for {Duration.TotalMinutes:F1} min: 3 silo processes and a separate frontend on PostgreSQL, a fault every 3–6 s ({Faults} faults).");
        text.AppendLine();
        text.AppendLine("| fault | times | recovery p50 | recovery max |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var (kind, times) in Recoveries.OrderBy(r => r.Key, StringComparer.Ordinal))
            text.AppendLine(CultureInfo.InvariantCulture, $"| {kind} | {times.Count} | {Seconds(times[(times.Count - 1) / 2])} | {Seconds(times[^1])} |");
        text.AppendLine();
        text.AppendLine("| figure | value |");
        text.AppendLine("|---|---:|");
        void Row(string name, string value) => text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value} |");
        Row("task creations acknowledged (each retried with its Idempotency-Key until answered)", $"{Created:N0} (+{Probes:N0} recovery probes)");
        Row("completions acknowledged", $"{Completed:N0}");
        Row("shuffles acknowledged", $"{Shuffles:N0}");
        Row("requests that failed (a 503, a timeout, a dropped connection; retried)", $"{FailedRequests:N0}");
        Row("creations given up after a minute of retries", $"{GaveUp:N0}");
        Row("acknowledged work lost", $"{Lost.Count}");
        Row("creations applied twice", $"{Twice.Count}");
        Row("audit differences", $"{Audit.Differences.Count} ({Audit.Events:N0} events, {Audit.Tasks:N0} tasks, {Audit.Accounts} accounts, {Audit.Days} days checked; {Audit.Pending} pending)");
        Row("ledger invariants (one fee per assignment, one reward per completion, each log adds up to its balance)", Invariants.Holds ? "hold" : $"{Invariants.Violations.Count} violations");
        Row($"day closed under the chaos", DayClosed);
        Row("longest stretch without a successful creation", $"{Seconds(LongestWithoutCreation)} ({LongestStretchCause})");
        Row("errors the processes logged", $"{ErrorsLogged:N0}");
        return text.ToString();
    }

    private static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F2} s");
}
