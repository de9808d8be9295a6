using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ates.Testing;

namespace Ates.Bench;

/// <summary>
/// Ates measured from the outside, as a user meets it (docs/design.md "Targets"): the release silo process, `wrk` with 64
/// connections for 20 s on <c>POST /api/tasks</c> beside the no-work route <c>/health/live</c>; then how long until every
/// fee is on its account; the live feed's lag from a POST to the fee's entry at a gentle 15 tasks/s; and a shuffle of
/// every open task over HTTP with the time until its fees are on the accounts. Embedded (SQLite) and PostgreSQL, the
/// latter beside `pgbench -N` (best of 16 and 64 clients) on the same server in the same run.
/// </summary>
public static partial class OutsideBench
{
    public const int Connections = 64;
    private static string _profiler = "perf";
    private const double LiveRate = 15;

    /// <param name="profileDirectory">Where to put CPU profiles of the silo under the burst (none when null).</param>
    /// <param name="profiler">"trace" (dotnet-trace's sampled thread time) or "perf" (Linux perf, CPU samples only).</param>
    public static async Task<IReadOnlyList<Measurement>> RunAsync(bool quick, string modes, string? profileDirectory, string profiler = "perf")
    {
        _profiler = profiler;
        var seconds = quick ? 5 : 20;
        var results = new List<Measurement>();
        if (modes is "both" or "embedded")
        {
            using var directory = new TempDirectory("ates-bench-outside-");
            results.AddRange(await OneSiloAsync("embedded", seconds, new Dictionary<string, string> { ["Ates__DataDirectory"] = directory.Path }, profileDirectory));
        }
        if (modes is "both" or "postgres")
        {
            await using var server = await PostgresTestServer.StartThrowawayAsync();
            var pgbench = new List<Measurement>();
            foreach (var clients in new[] { 16, 64 }) pgbench.Add(await PostgresBench.PgbenchAsync(server, clients, seconds));
            var best = pgbench.MaxBy(m => m.PerSecond)!;
            results.AddRange(pgbench);
            await PostgresBench.ExecuteAsync(server, "checkpoint");
            var ates = await OneSiloAsync("PostgreSQL", seconds, new Dictionary<string, string>
            {
                ["Ates__Storage"] = "Postgres",
                ["ConnectionStrings__Ates"] = await server.CreateDatabaseAsync(),
            }, profileDirectory);
            var creations = ates.Single(m => m.Variant.StartsWith("Ates: POST /api/tasks (", StringComparison.Ordinal));
            results.AddRange(ates);
            results.Add(creations with
            {
                Scenario = "outside, PostgreSQL: ratio to pgbench -N",
                Variant = "Ates: POST /api/tasks ÷ best pgbench -N",
                Note = $"{creations.PerSecond / best.PerSecond:F2}× {best.PerSecond:N0} TPS ({best.Variant}); target ≥ 1.0×, p99 ≤ 50 ms",
            });
        }
        return results;
    }

    private static async Task<IReadOnlyList<Measurement>> OneSiloAsync(string mode, int seconds, Dictionary<string, string> environment, string? profileDirectory)
    {
        var scenario = $"outside, {mode}{(Silos.Label == "Ates" ? "" : ", before")}";
        var results = new List<Measurement>();
        environment["Ates__SeedDemoUsers"] = "true";
        // perf names JIT-compiled frames from the map the runtime writes.
        // The JIT's double-mapped code pages (W^X) hide the map from perf, so that is off while profiling.
        if (profileDirectory is not null && _profiler == "perf") (environment["DOTNET_PerfMapEnabled"], environment["DOTNET_EnableWriteXorExecute"]) = ("1", "0");
        await using var silo = SiloProcess.Start(environment, assembly: Silos.Assembly);
        await silo.WaitReadyAsync();
        var manager = await TokenAsync(silo, "manager@ates.local", "manager");
        var admin = await TokenAsync(silo, "admin@ates.local", "admin");
        using var work = new TempDirectory("ates-wrk-");
        var script = work.Sub("create.lua");
        await File.WriteAllTextAsync(script, CreateScript(manager));

        // Warm-up: the JIT, the connections, the first grains. Then the no-work route, then the creations.
        await WrkAsync(silo.Url + "/health/live", 3, null);
        await WrkAsync(silo.Url + "/api/tasks", 3, script);
        var warmedUp = (await SettleAsync(silo, admin, Stopwatch.GetTimestamp(), await AccountsSumAsync(silo, admin), 0)).Sum;
        var live = await WrkAsync(silo.Url + "/health/live", seconds, null);
        results.Add(live.Row(scenario, "baseline: GET /health/live (no work)", $"{Connections} connections, {seconds} s, wrk"));

        var rssBefore = Rss(silo.ProcessId);
        var profiling = profileDirectory is null ? null : ProfileAsync(silo.ProcessId, Path.Combine(profileDirectory, $"creations-{mode.ToLowerInvariant()}"), seconds);
        var burst = await WrkAsync(silo.Url + "/api/tasks", seconds, script);
        var burstEnded = Stopwatch.GetTimestamp();
        var settle = await SettleAsync(silo, admin, burstEnded, warmedUp, -burst.Fees);
        if (profiling is not null) await profiling;
        var (tasks, fees) = await AllTasksAsync(silo, manager);
        if (settle.Sum != -fees)
            throw new InvalidOperationException($"The books settled at {settle.Sum:N0} $ but the {tasks:N0} tasks' fees add up to {fees:N0} $: a fee is missing or charged twice.");
        var rssAfter = Rss(silo.ProcessId);
        results.Add(burst.Row(scenario, "Ates: POST /api/tasks (manager's bearer token)",
            $"{Connections} connections, {seconds} s, wrk; {burst.PerSecond / live.PerSecond:F2}× the no-work route; {burst.Created:N0} created, {burst.Errors} errors; target " +
            (mode == "embedded" ? "≥ 8,000/s" : "≥ 1.0× pgbench -N") + $", p99 ≤ 50 ms; RSS {rssBefore / 1_048_576:N0} → {rssAfter / 1_048_576:N0} MB" +
            (profiling is null ? "" : "; under dotnet-trace")));
        results.Add(new Measurement(scenario, "Ates: books settled after the burst", 0, settle.Elapsed, 0, 0, 0,
            $"{settle.Elapsed.TotalSeconds:F2} s from the burst's end until every fee is on its account (Σ balances polled every 20 ms: {settle.Note}; " +
            $"Σ balances = −Σ fees of all {tasks:N0} tasks listed); target ≤ 1 s"));

        var lag = await LiveLagAsync(silo, manager, admin, seconds);
        results.Add(lag with { Scenario = scenario, Note = $"{lag.Note}; target p99 ≤ {(mode == "embedded" ? 10 : 25)} ms" });

        var shuffle = await ShuffleAsync(silo, manager, admin);
        results.Add(shuffle with { Scenario = scenario });
        var (warnings, errors) = silo.Logged;
        results.Add(new Measurement(scenario, "silo process", 0, TimeSpan.FromSeconds(1), 0, 0, 0,
            $"logged {warnings} warnings, {errors} errors; RSS at the end {Rss(silo.ProcessId) / 1_048_576:N0} MB"));
        return results;
    }

    /// <summary>
    /// Memory under sustained load, as docs/design.md's target measures it: one embedded silo, rounds of 25 s of creations
    /// under wrk (64 connections), the silo's RSS after each round and after 20 s idle.
    /// </summary>
    public static async Task<IReadOnlyList<Measurement>> MemoryAsync(int rounds)
    {
        using var directory = new TempDirectory("ates-bench-memory-");
        await using var silo = SiloProcess.Start(new Dictionary<string, string> { ["Ates__DataDirectory"] = directory.Path, ["Ates__SeedDemoUsers"] = "true" },
            assembly: Silos.Assembly);
        await silo.WaitReadyAsync();
        var manager = await TokenAsync(silo, "manager@ates.local", "manager");
        using var work = new TempDirectory("ates-wrk-");
        var script = work.Sub("create.lua");
        await File.WriteAllTextAsync(script, CreateScript(manager));
        var rss = new List<string>();
        long created = 0;
        var start = Stopwatch.GetTimestamp();
        for (var round = 1; round <= rounds; round++)
        {
            created += (await WrkAsync(silo.Url + "/api/tasks", 25, script)).Requests;
            rss.Add($"{Rss(silo.ProcessId) / 1_048_576:N0}");
        }
        var loaded = Stopwatch.GetElapsedTime(start);
        await Task.Delay(TimeSpan.FromSeconds(20)); // the idle time the measurement is defined with
        var idle = Rss(silo.ProcessId);
        return
        [
            new Measurement("memory under sustained creations (embedded)", $"{Silos.Label}: RSS after {rounds} × 25 s of POST /api/tasks and 20 s idle", created, loaded, 0, 0, 0,
                $"{created:N0} creations; RSS {idle / 1_048_576:N0} MB after 20 s idle (after each round: {string.Join(", ", rss)} MB); target ≤ 1 GB after 500,000"),
        ];
    }

    private static string CreateScript(string token) => $$"""
        wrk.method = "POST"
        wrk.headers["Content-Type"] = "application/json"
        wrk.headers["Authorization"] = "Bearer {{token}}"
        wrk.body = '{"title":"Outside benchmark task","jiraId":"UBERPOP-1"}'
        local threads = {}
        function setup(thread) table.insert(threads, thread) end
        function init(args) created = 0; fees = 0 end
        function response(status, headers, body)
          if status == 201 then
            created = created + 1
            local fee = body:match('"assignFee":([%d%.]+)')
            if fee then fees = fees + tonumber(fee) end
          end
        end
        function done(summary, latency, requests)
          local c, f = 0, 0
          for _, t in ipairs(threads) do c = c + t:get("created"); f = f + t:get("fees") end
          io.write(string.format("ATES created=%d fees=%d\n", c, f))
        end
        """;

    private sealed record WrkResult(long Requests, TimeSpan Elapsed, double P50Micros, double P99Micros, long Errors, long Created, decimal Fees)
    {
        public double PerSecond => Requests / Elapsed.TotalSeconds;

        public Measurement Row(string scenario, string variant, string note) => new(scenario, variant, Requests, Elapsed, P50Micros, P99Micros, 0, note);
    }

    private static async Task<WrkResult> WrkAsync(string url, int seconds, string? script)
    {
        string[] args = ["-t2", $"-c{Connections}", $"-d{seconds}s", "--latency", "--timeout", "10s", .. script is null ? Array.Empty<string>() : ["-s", script], url];
        var output = await PostgresTestServer.RunProcessAsync("wrk", args);
        var requests = long.Parse(RequestsLine().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var elapsed = TimeSpan.FromSeconds(double.Parse(RequestsLine().Match(output).Groups[2].Value, CultureInfo.InvariantCulture));
        var non2xx = NonSuccess().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var socket = SocketErrors().Match(output) is { Success: true } s
            ? s.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture)) : 0;
        var created = CreatedLine().Match(output);
        return new WrkResult(requests, elapsed, Percentile(output, "50"), Percentile(output, "99"), non2xx + socket,
            created.Success ? long.Parse(created.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            created.Success ? decimal.Parse(created.Groups[2].Value, CultureInfo.InvariantCulture) : 0);
    }

    private static double Percentile(string output, string percent)
    {
        var match = Regex.Match(output, $@"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value, "ms" => value * 1_000, _ => value * 1_000_000 };
    }

    [GeneratedRegex(@"^\s+(\d+) requests in ([\d.]+)s", RegexOptions.Multiline)]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrors();

    [GeneratedRegex(@"ATES created=(\d+) fees=(\d+)")]
    private static partial Regex CreatedLine();

    private static async Task<string> TokenAsync(SiloProcess silo, string email, string password)
    {
        using var response = await silo.Http.PostAsJsonAsync("/api/auth/token", new { email, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static async Task<decimal> AccountsSumAsync(SiloProcess silo, string admin)
    {
        using var request = Request(HttpMethod.Get, "/api/accounts", admin);
        using var response = await silo.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var accounts = await response.Content.ReadFromJsonAsync<JsonElement>();
        return accounts.EnumerateArray().Sum(a => a.GetProperty("balance").GetDecimal());
    }

    /// <summary>
    /// Polls Σ balances every 20 ms from <paramref name="since"/> until it reaches <paramref name="start"/> +
    /// <paramref name="delta"/>. Requests wrk abandoned when its time was up may still create tasks: when the sum passes the
    /// expected value, it waits until the sum holds still for 2 s and reports the time that final value was first seen.
    /// </summary>
    private static async Task<(TimeSpan Elapsed, decimal Sum, string Note)> SettleAsync(SiloProcess silo, string admin, long since, decimal start, decimal delta)
    {
        var expected = start + delta;
        var seen = new List<(long At, decimal Sum)>();
        var deadline = TimeSpan.FromMinutes(3);
        while (Stopwatch.GetElapsedTime(since) < deadline)
        {
            var sum = await AccountsSumAsync(silo, admin);
            var at = Stopwatch.GetTimestamp();
            seen.Add((at, sum));
            if (sum == expected && delta != 0) return (Stopwatch.GetElapsedTime(since, at), sum, $"reached {expected:N0} $");
            if (sum <= expected)
            {
                var firstOfFinal = seen.FindLastIndex(s => s.Sum != sum) + 1;
                if (Stopwatch.GetElapsedTime(seen[firstOfFinal].At, at) >= TimeSpan.FromSeconds(2))
                    return (Stopwatch.GetElapsedTime(since, seen[firstOfFinal].At), sum,
                        $"held still at {sum:N0} $, {expected - sum:N0} $ beyond what wrk saw answered: requests in flight when wrk stopped");
            }
            await Task.Delay(20); // another process: nothing to await but its answer
        }
        throw new TimeoutException($"The books did not settle within {deadline}: Σ balances {seen[^1].Sum}, expected {expected}.");
    }

    /// <summary>How many tasks there are and what their fees add up to, from the task board's listing.</summary>
    private static async Task<(long Tasks, decimal Fees)> AllTasksAsync(SiloProcess silo, string manager)
    {
        long tasks = 0;
        decimal fees = 0;
        string? after = null;
        do
        {
            using var request = Request(HttpMethod.Get, "/api/tasks?limit=500" + (after is null ? "" : $"&after={Uri.EscapeDataString(after)}"), manager);
            using var response = await silo.Http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var page = await response.Content.ReadFromJsonAsync<JsonElement>();
            foreach (var task in page.GetProperty("items").EnumerateArray())
            {
                tasks++;
                fees += task.GetProperty("assignFee").GetDecimal();
            }
            after = page.GetProperty("next").GetString();
        } while (after is not null);
        return (tasks, fees);
    }

    /// <summary>POST → the fee's ledger entry on the admin's live feed, at a gentle rate.</summary>
    private static async Task<Measurement> LiveLagAsync(SiloProcess silo, string manager, string admin, int seconds)
    {
        using var feedClient = new HttpClient { BaseAddress = new Uri(silo.Url), Timeout = Timeout.InfiniteTimeSpan };
        using var stop = new CancellationTokenSource();
        var arrived = new System.Collections.Concurrent.ConcurrentDictionary<Guid, long>();
        var ready = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            using var request = Request(HttpMethod.Get, "/api/live", admin);
            using var response = await feedClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                var at = Stopwatch.GetTimestamp();
                using var message = JsonDocument.Parse(line.AsMemory(6));
                var type = message.RootElement.GetProperty("type").GetString();
                if (type == "live.ready") ready.TrySetResult();
                if (type != "ledger.entry-recorded" || !message.RootElement.TryGetProperty("data", out var data)) continue;
                if (data.GetProperty("kind").GetString() == "assign-fee" && data.GetProperty("taskId").GetString() is { } task) arrived.TryAdd(Guid.Parse(task), at);
            }
        });
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var sent = new System.Collections.Concurrent.ConcurrentDictionary<Guid, long>();
        var count = (int)(LiveRate * seconds);
        var interval = TimeSpan.FromSeconds(1 / LiveRate);
        var begin = Stopwatch.GetTimestamp();
        var posts = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromTicks(interval.Ticks * i) - Stopwatch.GetElapsedTime(begin);
            if (due > TimeSpan.Zero) await Task.Delay(due); // pacing the load, not waiting for a condition
            posts.Add(Task.Run(async () =>
            {
                var t0 = Stopwatch.GetTimestamp();
                using var request = Request(HttpMethod.Post, "/api/tasks", manager);
                request.Content = JsonContent.Create(new { title = "Paced task", jiraId = "UBERPOP-2" });
                using var response = await silo.Http.SendAsync(request);
                response.EnsureSuccessStatusCode();
                var task = await response.Content.ReadFromJsonAsync<JsonElement>();
                sent[task.GetProperty("id").GetGuid()] = t0;
            }));
        }
        await Task.WhenAll(posts);
        var waitUntil = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 30;
        while (sent.Keys.Any(k => !arrived.ContainsKey(k)) && Stopwatch.GetTimestamp() < waitUntil) await Task.Delay(10);
        await stop.CancelAsync();
        try
        {
            await reading;
        }
        catch (OperationCanceledException)
        {
        }
        var lags = sent.Where(s => arrived.ContainsKey(s.Key)).Select(s => (arrived[s.Key] - s.Value) * 1_000_000.0 / Stopwatch.Frequency).Order().ToArray();
        double Q(double q) => lags.Length == 0 ? double.NaN : lags[(int)Math.Min(lags.Length - 1, q * lags.Length)];
        return new Measurement("", $"Ates: POST → the fee on the live feed, {LiveRate} tasks/s", lags.Length, Stopwatch.GetElapsedTime(begin), Q(0.5), Q(0.99), 0,
            $"{lags.Length} of {count} fees seen, max {(lags.Length == 0 ? double.NaN : lags[^1]) / 1000:F1} ms (includes the POST itself)");
    }

    /// <summary>A manager's shuffle of every open task over HTTP, and the time until every new fee is on its account.</summary>
    private static async Task<Measurement> ShuffleAsync(SiloProcess silo, string manager, string admin)
    {
        var before = await AccountsSumAsync(silo, admin);
        // Every task is open and its fee is charged again: the books move by the fees of the reassigned tasks, which are
        // exactly what the books were charged for them so far (no task was completed).
        var t0 = Stopwatch.GetTimestamp();
        using var request = Request(HttpMethod.Post, "/api/tasks/shuffle", manager);
        using var response = await silo.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var answered = Stopwatch.GetElapsedTime(t0);
        var reassigned = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reassigned").GetInt32();
        var answeredAt = Stopwatch.GetTimestamp();
        var settle = await SettleAsync(silo, admin, answeredAt, before, before);
        if (settle.Sum != 2 * before) throw new InvalidOperationException($"After the shuffle the books hold {settle.Sum:N0} $, not twice {before:N0} $.");
        return new Measurement("", "Ates: POST /api/tasks/shuffle (every open task)", reassigned, answered, 0, 0, 0,
            $"{reassigned:N0} tasks reassigned, answered in {answered.TotalSeconds:F2} s (target ≤ 3 s for 100,000); books settled {settle.Elapsed.TotalSeconds:F2} s after the answer ({settle.Note}; target ≤ 5 s)");
    }

    private static long Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>
    /// CPU samples of the silo process while the burst runs: Linux perf (on-CPU samples only, with call graphs; writes
    /// FILE.perf and FILE.txt, the top frames by inclusive CPU), or dotnet-trace's sampled thread time (FILE.nettrace,
    /// which samples waiting threads too: scripts/cpu-top.py drops those).
    /// </summary>
    private static async Task ProfileAsync(int pid, string file, int seconds)
    {
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(3, seconds / 4.0))); // past the burst's start
        var duration = Math.Max(2, seconds - 6);
        var process = pid.ToString(CultureInfo.InvariantCulture);
        if (_profiler == "perf")
        {
            await PostgresTestServer.RunProcessAsync("perf", ["record", "-e", "cpu-clock", "-F", "499", "-g", "-p", process, "-o", file + ".perf", "--",
                "sleep", duration.ToString(CultureInfo.InvariantCulture)]);
            var report = await PostgresTestServer.RunProcessAsync("perf", ["report", "-i", file + ".perf", "--children", "--stdio", "--sort", "symbol",
                "-g", "none", "--percent-limit", "0.5"]);
            await File.WriteAllTextAsync(file + ".txt", report);
            return;
        }
        var tool = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-trace");
        if (!File.Exists(tool)) tool = "dotnet-trace";
        await PostgresTestServer.RunProcessAsync(tool, ["collect", "-p", process, "--profile", "dotnet-sampled-thread-time",
            "--duration", TimeSpan.FromSeconds(duration).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture), "-o", file + ".nettrace"]);
    }
}
