using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Ates.Testing;

namespace Ates.Bench;

/// <summary>
/// Failover on PostgreSQL: three silo processes under HTTP load, one SIGKILLed. How long until the survivors declare it
/// dead, until every task created before the kill answers again (about a third of their grains lived on the victim),
/// and how the creations went meanwhile — with Ates' membership settings beside Orleans' defaults, same machine, same
/// run.
/// </summary>
public static class FailoverBench
{
    private const string Scenario = "failover: SIGKILL of 1 of 3 silo processes under HTTP load (PostgreSQL)";
    private const int Workers = 16;

    public static async Task<IReadOnlyList<Measurement>> RunAsync(bool quick)
    {
        await using var server = await PostgresTestServer.StartThrowawayAsync();
        var after = TimeSpan.FromSeconds(quick ? 8 : 20);
        return
        [
            await RunAsync(server, "Ates: probes every 1 s, dead after 2 misses", new Dictionary<string, string>(), after),
            await RunAsync(server, "baseline: Orleans' default membership (5 s probes, 3 misses)", new Dictionary<string, string>
            {
                ["Ates__Orleans__Membership__ProbeTimeout"] = "00:00:05",
                ["Ates__Orleans__Membership__NumMissedProbesLimit"] = "3",
                ["Ates__Orleans__Membership__ExtendProbeTimeoutDuringDegradation"] = "true",
                ["Ates__Orleans__Membership__IAmAliveTablePublishTimeout"] = "00:00:30",
                ["Ates__Orleans__Membership__TableRefreshTimeout"] = "00:01:00",
            }, after),
        ];
    }

    private static async Task<Measurement> RunAsync(PostgresTestServer server, string variant, Dictionary<string, string> membership, TimeSpan after)
    {
        var database = await server.CreateDatabaseAsync();
        var silos = new List<SiloProcess>();
        var ports = new List<int>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var port = SiloProcess.FreePort();
                ports.Add(port);
                var environment = new Dictionary<string, string>(membership)
                {
                    ["Ates__Storage"] = "Postgres",
                    ["ConnectionStrings__Ates"] = database,
                    ["Ates__SeedDemoUsers"] = "true",
                    ["Ates__Orleans__SiloPort"] = port.ToString(CultureInfo.InvariantCulture),
                };
                silos.Add(SiloProcess.Start(environment));
            }
            await Task.WhenAll(silos.Select(s => s.WaitReadyAsync()));
            var token = await TokenAsync(silos[0], "manager");
            var admin = await TokenAsync(silos[0], "admin");
            AtesClient Client(SiloProcess silo, string bearer)
            {
                var http = new HttpClient { BaseAddress = new Uri(silo.Url), Timeout = TimeSpan.FromSeconds(60) };
                http.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
                return new AtesClient(http);
            }
            var managers = silos.Select(s => Client(s, token)).ToList();
            var victim = silos[2];
            var survivors = managers.Take(2).ToList();

            // Before: tasks created through every silo, so some of their grains live on the victim.
            var before = new ConcurrentBag<Guid>();
            await Task.WhenAll(Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
            {
                for (var i = 0; i < 20; i++) before.Add((await managers[(w + i) % 3].CreateTaskAsync($"before {w}/{i}")).Id);
            })));

            var killedAt = 0L;
            var done = new CancellationTokenSource();
            var latencies = new ConcurrentBag<(long At, long Ticks)>();
            var failed = 0;
            var load = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !done.IsCancellationRequested; i++)
                {
                    var t0 = Stopwatch.GetTimestamp();
                    try
                    {
                        await survivors[(w + i) % 2].CreateTaskAsync($"during {w}/{i}");
                        latencies.Add((t0, Stopwatch.GetTimestamp() - t0));
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException)
                    {
                        if (Volatile.Read(ref killedAt) != 0) Interlocked.Increment(ref failed);
                    }
                }
            })).ToList();

            await Task.Delay(TimeSpan.FromSeconds(2)); // load running before the kill, as in production
            victim.Kill();
            Volatile.Write(ref killedAt, Stopwatch.GetTimestamp());

            var adminClient = Client(silos[0], admin);
            var victimAddress = $"S127.0.0.1:{ports[2]}:";
            var declared = Task.Run(async () =>
            {
                while (true)
                {
                    JsonElement status;
                    try
                    {
                        status = await adminClient.Http.GetFromJsonAsync<JsonElement>("/api/cluster");
                    }
                    catch (HttpRequestException)
                    {
                        // 503 while the session check waits on a grain of the dead silo: ask again
                        await Task.Delay(20);
                        continue;
                    }
                    if (status.GetProperty("silos").EnumerateArray().Any(s => s.GetProperty("address").GetString()!.StartsWith(victimAddress, StringComparison.Ordinal)
                                                                              && s.GetProperty("status").GetString() == "Dead"))
                        return Stopwatch.GetElapsedTime(killedAt);
                    await Task.Delay(20);
                }
            });
            var reader = Client(silos[1], token);
            var allServed = Task.Run(async () =>
            {
                await Task.WhenAll(before.Select(async id =>
                {
                    while (true)
                    {
                        try
                        {
                            await reader.GetTaskAsync(id);
                            return;
                        }
                        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException)
                        {
                            await Task.Delay(20);
                        }
                    }
                }));
                return Stopwatch.GetElapsedTime(killedAt);
            });
            await Task.Delay(after);
            await done.CancelAsync();
            await Task.WhenAll(load);
            var dead = await declared.WaitAsync(TimeSpan.FromMinutes(2));
            var served = await allServed.WaitAsync(TimeSpan.FromMinutes(2));

            var since = latencies.Where(l => l.At >= killedAt).OrderBy(l => l.At).ToList();
            var gaps = since.Select(l => l.At + l.Ticks).Order().Prepend(killedAt).ToList();
            var longestGap = gaps.Zip(gaps.Skip(1), (a, b) => b - a).DefaultIfEmpty(0).Max() / (double)Stopwatch.Frequency;
            var sorted = since.Select(l => l.Ticks).Order().ToArray();
            double Micros(double q) => sorted.Length == 0 ? 0 : sorted[(int)Math.Min(sorted.Length - 1, q * sorted.Length)] * 1_000_000.0 / Stopwatch.Frequency;
            return new Measurement(Scenario, variant, since.Count, after, Micros(0.5), Micros(0.99), 0,
                $"creations through the 2 survivors, {Workers} connections, {after.TotalSeconds:F0} s after the kill: declared dead {dead.TotalSeconds:F1} s after it, " +
                $"all {before.Count} tasks created before it served again {served.TotalSeconds:F1} s after, longest stretch without a creation " +
                $"{longestGap:F1} s, {failed} requests failed; survivors logged {silos.Take(2).Sum(s => s.Logged.Errors)} errors");
        }
        finally
        {
            foreach (var silo in silos) await silo.DisposeAsync();
        }
    }

    private static async Task<string> TokenAsync(SiloProcess silo, string user)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await silo.Http.PostAsJsonAsync("/api/auth/token", new { email = $"{user}@ates.local", password = user });
            // The demo users are seeded by a startup task of the first silo: a sign-in a moment too early is refused.
            if (response.IsSuccessStatusCode) return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
            if (attempt == 8) response.EnsureSuccessStatusCode(); // sign-in is rate limited (10 a minute)
            await Task.Delay(500);
        }
    }
}
