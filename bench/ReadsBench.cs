using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Ates.Testing;
using Npgsql;

namespace Ates.Bench;

/// <summary>
/// How many journal rows the cluster reads per event it inserts (docs/design.md "Each event is read once across the
/// cluster"), from PostgreSQL's own statistics: N silo processes on one database, task creations over HTTP spread over
/// them, until every fee is on its account and the consumers have written everything; then the silos stop (a closing
/// backend hands PostgreSQL its last statistics) and <c>pg_stat_user_tables</c> says what <c>ates_events</c> gave out
/// (<c>seq_tup_read + idx_tup_fetch</c>) against what it took in (<c>n_tup_ins</c>). 1 and 3 silos, same run.
/// </summary>
public static class ReadsBench
{
    private const int Clients = 16;

    public static async Task<IReadOnlyList<Measurement>> RunAsync(bool quick)
    {
        var tasks = quick ? 300 : 1_500;
        await using var server = await PostgresTestServer.StartThrowawayAsync();
        var results = new List<Measurement>();
        foreach (var silos in new[] { 1, 3 }) results.Add(await RunAsync(server, silos, tasks));
        return results;
    }

    private static async Task<Measurement> RunAsync(PostgresTestServer server, int siloCount, int tasks)
    {
        var database = await server.CreateDatabaseAsync();
        var processes = new List<SiloProcess>();
        try
        {
            for (var i = 0; i < siloCount; i++)
            {
                processes.Add(SiloProcess.Start(new Dictionary<string, string>
                {
                    ["Ates__Storage"] = "Postgres",
                    ["ConnectionStrings__Ates"] = database,
                    ["Ates__SeedDemoUsers"] = "true",
                }, assembly: Silos.Assembly));
            }
            await Task.WhenAll(processes.Select(p => p.WaitReadyAsync()));
            var token = await TokenAsync(processes[0], "manager@ates.local", "manager");
            var admin = await TokenAsync(processes[0], "admin@ates.local", "admin");
            await StatementAsync(database, "select pg_stat_reset()");

            var next = -1;
            var fees = 0m;
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, Clients).Select(async _ =>
            {
                while (true)
                {
                    var n = Interlocked.Increment(ref next);
                    if (n >= tasks) return;
                    var silo = processes[n % processes.Count];
                    using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = JsonContent.Create(new { title = "Reads benchmark task" }) };
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                    using var response = await silo.Http.SendAsync(request);
                    response.EnsureSuccessStatusCode();
                    var fee = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("assignFee").GetDecimal();
                    lock (processes) fees += fee;
                }
            }));
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);

            // Every fee on its account, then nothing more written for two seconds: the consumers are done.
            using (var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
            {
                while (await BalancesAsync(processes[0], admin) != -fees) await Task.Delay(50, deadline.Token);
                var last = -1L;
                var still = System.Diagnostics.Stopwatch.GetTimestamp();
                while (System.Diagnostics.Stopwatch.GetElapsedTime(still) < TimeSpan.FromSeconds(2))
                {
                    var inserted = await InsertedAsync(database);
                    if (inserted != last) (last, still) = (inserted, System.Diagnostics.Stopwatch.GetTimestamp());
                    await Task.Delay(200, deadline.Token); // polling another process's statistics
                }
            }
            foreach (var process in processes) await process.StopAsync(TimeSpan.FromSeconds(30));
            var (read, insertedRows, scans) = await ReadsAsync(database);
            return new Measurement("journal rows read per inserted event (PostgreSQL, pg_stat_user_tables)", $"{Silos.Label}: {siloCount} silo{(siloCount > 1 ? "s" : "")}",
                tasks, elapsed, 0, 0, 0,
                $"{(double)read / insertedRows:F2} rows read per inserted event ({read:N0} read in {scans:N0} scans, {insertedRows:N0} inserted; {tasks:N0} creations over HTTP, {Clients} clients); target ≤ 1.5 with 3 silos");
        }
        finally
        {
            foreach (var process in processes) await process.DisposeAsync();
        }
    }

    private static async Task<string> TokenAsync(SiloProcess silo, string email, string password)
    {
        using var response = await silo.Http.PostAsJsonAsync("/api/auth/token", new { email, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private static async Task<decimal> BalancesAsync(SiloProcess silo, string admin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/accounts");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        using var response = await silo.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Sum(a => a.GetProperty("balance").GetDecimal());
    }

    private static async Task StatementAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> InsertedAsync(string database) => (await ReadsAsync(database)).Inserted;

    private static async Task<(long Read, long Inserted, long Scans)> ReadsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(database) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        // A snapshot of the statistics as of now, not cached from earlier in this transaction.
        await using (var clear = new NpgsqlCommand("select pg_stat_clear_snapshot()", connection)) await clear.ExecuteNonQueryAsync();
        await using var command = new NpgsqlCommand(
            "select coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0), n_tup_ins, coalesce(seq_scan, 0) + coalesce(idx_scan, 0) from pg_stat_user_tables where relname = 'ates_events'",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }
}

/// <summary>Which build of the silo host the outside benchmarks run: this one, or another (`--silo DIR`, e.g. the commit before a change).</summary>
public static class Silos
{
    public static string Assembly { get; set; } = "Ates.Silo.dll";

    public static string Label => Assembly == "Ates.Silo.dll" ? "Ates" : "before";
}
