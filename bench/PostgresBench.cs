using System.Globalization;
using Ates.Runtime;
using Ates.Runtime.Storage.Postgres;
using Ates.Runtime.Testing;
using Npgsql;

namespace Ates.Bench;

/// <summary>
/// Ates on PostgreSQL beside `pgbench -N` on the same throwaway server in the same run (fsync and synchronous_commit
/// on): durable task creations in-process and over HTTP, and the event lag at 1,000 tasks/s.
/// </summary>
public static class PostgresBench
{

    public static async Task<IReadOnlyList<Measurement>> RunAsync(bool quick)
    {
        var results = new List<Measurement>();
        await using var server = await PostgresTestServer.StartThrowawayAsync();

        var (pgbench, pgbenchDatabase) = await PgbenchAsync(server, quick ? 5 : 15);
        results.AddRange(pgbench);
        var baseline = pgbench.Max(m => m.PerSecond);
        // pgbench leaves a database autovacuum would work on and hundreds of megabytes of dirty pages: drop it and
        // write them now, not during the next scenario's commits.
        await ExecuteAsync(server, $"drop database \"{pgbenchDatabase}\"");
        await CheckpointAsync(server);

        var inProcessDb = await server.CreateDatabaseAsync();
        var inProcess = await DomainBench.TasksAsync(quick ? 6_400 : 32_000,
            time => PostgresStore.OpenAsync(new PostgresStoreOptions { ConnectionString = inProcessDb }, time).GetAwaiter().GetResult(), "Postgres");
        results.AddRange(inProcess);

        await CheckpointAsync(server);
        var httpDb = await server.CreateDatabaseAsync();
        var http = await HttpBench.RunAsync(quick ? 50 : 200, new Dictionary<string, string>
        {
            ["Ates__Storage"] = "Postgres",
            ["ConnectionStrings__Ates"] = httpDb,
            ["Ates__SeedDemoUsers"] = "true",
        }, "Postgres");
        results.AddRange(http);

        var creations = inProcess.First(m => m.Variant.StartsWith("Ates:", StringComparison.Ordinal) && m.Scenario.StartsWith("task creations", StringComparison.Ordinal));
        var overHttp = http.First(m => m.Variant.StartsWith("Ates:", StringComparison.Ordinal));
        results.Add(new Measurement("ratio to pgbench -N (best TPS)", "in-process task creations", creations.Operations, creations.Elapsed, creations.P50Micros, creations.P99Micros, 0,
            $"{creations.PerSecond / baseline:F2}× of {baseline:N0} TPS, target ≥ 2×"));
        results.Add(new Measurement("ratio to pgbench -N (best TPS)", "task creations over HTTP", overHttp.Operations, overHttp.Elapsed, overHttp.P50Micros, overHttp.P99Micros, 0,
            $"{overHttp.PerSecond / baseline:F2}× of {baseline:N0} TPS, target ≥ 1× and p99 ≤ 50 ms"));
        return results;
    }

    /// <summary>A CHECKPOINT between scenarios, so that none pays for the background writes of the one before.</summary>
    private static Task CheckpointAsync(PostgresTestServer server) => ExecuteAsync(server, "checkpoint");

    /// <summary>A maintenance statement of the bench itself (a constant, never input).</summary>
    private static async Task ExecuteAsync(PostgresTestServer server, string sql)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>`pgbench -N` (no branch/teller updates: one small durable transaction each) at 8, 16 and 64 clients.</summary>
    private static async Task<(List<Measurement> Results, string Database)> PgbenchAsync(PostgresTestServer server, int seconds)
    {
        var database = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync());
        string[] Connection() => ["-h", database.Host!, "-p", database.Port.ToString(CultureInfo.InvariantCulture), "-U", database.Username ?? "postgres"];
        await PostgresTestServer.RunProcessAsync("pgbench", [.. Connection(), "-i", "-s", "10", "-q", database.Database!]);
        await CheckpointAsync(server);

        var results = new List<Measurement>();
        foreach (var clients in new[] { 8, 16, 64 })
        {
            var logs = Directory.CreateTempSubdirectory("ates-pgbench-").FullName;
            try
            {
                var output = await PostgresTestServer.RunProcessAsync("pgbench", [.. Connection(), "-N", "-M", "prepared", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2",
                    "-T", seconds.ToString(CultureInfo.InvariantCulture), "-l", "--log-prefix", Path.Combine(logs, "tx"), database.Database!]);
                var tps = double.Parse(output.Split('\n').First(l => l.StartsWith("tps = ", StringComparison.Ordinal))[6..].Split(' ')[0], CultureInfo.InvariantCulture);
                // Per-transaction log lines: client, transaction, latency µs, script, epoch s, epoch µs.
                var latencies = Directory.GetFiles(logs).SelectMany(File.ReadLines)
                    .Select(l => double.Parse(l.Split(' ')[2], CultureInfo.InvariantCulture)).Order().ToArray();
                double Quantile(double q) => latencies[(int)Math.Min(latencies.Length - 1, q * latencies.Length)];
                results.Add(new Measurement("durable commits on the same PostgreSQL", $"baseline: pgbench -N, {clients} clients", latencies.Length,
                    TimeSpan.FromSeconds(latencies.Length / tps), Quantile(0.5), Quantile(0.99), 0, $"{tps:N0} TPS, -M prepared, fsync on"));
            }
            finally
            {
                Directory.Delete(logs, recursive: true);
            }
        }
        return (results, database.Database!);
    }
}
