using System.Globalization;
using Ates.Storage.Journal;
using Ates.Storage.Postgres;
using Ates.Testing;
using Npgsql;

namespace Ates.Bench;

/// <summary>
/// Ates on PostgreSQL beside `pgbench -N` on the same throwaway server in the same run (fsync and synchronous_commit
/// on): the journal's own appends, durable task creations in-process and over HTTP against the silo process, and the
/// event lag at 1,000 tasks/s. Every Ates scenario gets a fresh database, after a CHECKPOINT.
/// </summary>
public static class PostgresBench
{
    public static async Task<IReadOnlyList<Measurement>> RunAsync(bool quick)
    {
        var results = new List<Measurement>();
        await using var server = await PostgresTestServer.StartThrowawayAsync();

        var (pgbench, pgbenchDatabase) = await PgbenchAsync(server, quick ? 5 : 15);
        results.AddRange(pgbench);
        var best = pgbench.MaxBy(m => m.PerSecond)!;
        var baseline = best.PerSecond;
        // pgbench leaves a database autovacuum would work on and hundreds of megabytes of dirty pages: drop it and
        // write them now, not during the next scenario's commits.
        await ExecuteAsync(server, $"drop database \"{pgbenchDatabase}\"");

        async Task<IJournalStore> FreshJournalAsync(string _)
        {
            await CheckpointAsync(server);
            return await PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = await server.CreateDatabaseAsync() });
        }

        // In-process: raw PostgresJournal appends (the journal's own ceiling) and ITaskGrain.Create through a silo on it.
        var inProcess = await TaskBench.RunAsync(quick ? 6_400 : 12_800, "PostgreSQL", null, FreshJournalAsync);
        results.AddRange(inProcess);

        results.AddRange(await LagBench.RunAsync(quick ? 5 : 10, "PostgreSQL", 50, FreshJournalAsync));

        await CheckpointAsync(server);
        var http = await HttpBench.RunAsync(quick ? 50 : 100, new Dictionary<string, string>
        {
            ["Ates__Storage"] = "Postgres",
            ["ConnectionStrings__Ates"] = await server.CreateDatabaseAsync(),
            ["Ates__SeedDemoUsers"] = "true",
        }, "PostgreSQL");
        results.AddRange(http);

        var creations = inProcess.First(m => m.Variant.StartsWith("Ates:", StringComparison.Ordinal));
        var raw = inProcess.First(m => m.Variant.StartsWith("baseline:", StringComparison.Ordinal));
        var overHttp = http.First(m => m.Variant.StartsWith("Ates:", StringComparison.Ordinal));
        var of = $"of {baseline:N0} TPS ({best.Variant["baseline: ".Length..]})";
        results.Add(new Measurement("ratio to pgbench -N (best TPS)", "raw PostgresJournal 2-event appends", raw.Operations, raw.Elapsed, raw.P50Micros, raw.P99Micros, 0,
            $"{raw.PerSecond / baseline:F2}× {of}: the journal's own ceiling"));
        results.Add(new Measurement("ratio to pgbench -N (best TPS)", "in-process task creations", creations.Operations, creations.Elapsed, creations.P50Micros, creations.P99Micros, 0,
            $"{creations.PerSecond / baseline:F2}× {of}, target ≥ 2×"));
        results.Add(new Measurement("ratio to pgbench -N (best TPS)", "task creations over HTTP", overHttp.Operations, overHttp.Elapsed, overHttp.P50Micros, overHttp.P99Micros, 0,
            $"{overHttp.PerSecond / baseline:F2}× {of}, target ≥ 1× and p99 ≤ 50 ms (p99 {overHttp.P99Micros / 1000:F1} ms)"));
        return results;
    }

    /// <summary>A CHECKPOINT between scenarios, so that none pays for the background writes of the one before.</summary>
    internal static Task CheckpointAsync(PostgresTestServer server) => ExecuteAsync(server, "checkpoint");

    /// <summary>A maintenance statement of the bench itself (a constant, never input).</summary>
    internal static async Task ExecuteAsync(PostgresTestServer server, string sql)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>`pgbench -N` (no branch/teller updates: one small durable transaction each) at 8, 16 and 64 clients.</summary>
    private static async Task<(List<Measurement> Results, string Database)> PgbenchAsync(PostgresTestServer server, int seconds)
    {
        var database = await PgbenchDatabaseAsync(server);
        var results = new List<Measurement>();
        foreach (var clients in new[] { 8, 16, 64 }) results.Add(await PgbenchRunAsync(database, clients, seconds));
        return (results, database.Database!);
    }

    /// <summary>`pgbench -N` at <paramref name="clients"/> clients on a fresh pgbench database, which is dropped afterwards.</summary>
    internal static async Task<Measurement> PgbenchAsync(PostgresTestServer server, int clients, int seconds)
    {
        var database = await PgbenchDatabaseAsync(server);
        try
        {
            return await PgbenchRunAsync(database, clients, seconds);
        }
        finally
        {
            await ExecuteAsync(server, $"drop database \"{database.Database}\"");
            await CheckpointAsync(server);
        }
    }

    private static string[] Connection(NpgsqlConnectionStringBuilder database) =>
        ["-h", database.Host!, "-p", database.Port.ToString(CultureInfo.InvariantCulture), "-U", database.Username ?? "postgres"];

    private static async Task<NpgsqlConnectionStringBuilder> PgbenchDatabaseAsync(PostgresTestServer server)
    {
        var database = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync());
        await PostgresTestServer.RunProcessAsync(Pgbench, [.. Connection(database), "-i", "-s", "10", "-q", database.Database!]);
        await CheckpointAsync(server);
        return database;
    }

    private static async Task<Measurement> PgbenchRunAsync(NpgsqlConnectionStringBuilder database, int clients, int seconds)
    {
        var logs = Directory.CreateTempSubdirectory("ates-pgbench-").FullName;
        try
        {
            var output = await PostgresTestServer.RunProcessAsync(Pgbench, [.. Connection(database), "-N", "-M", "prepared", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2",
                "-T", seconds.ToString(CultureInfo.InvariantCulture), "-l", "--log-prefix", Path.Combine(logs, "tx"), database.Database!]);
            var tps = double.Parse(output.Split('\n').First(l => l.StartsWith("tps = ", StringComparison.Ordinal))[6..].Split(' ')[0], CultureInfo.InvariantCulture);
            // Per-transaction log lines: client, transaction, latency µs, script, epoch s, epoch µs.
            var latencies = Directory.GetFiles(logs).SelectMany(File.ReadLines)
                .Select(l => double.Parse(l.Split(' ')[2], CultureInfo.InvariantCulture)).Order().ToArray();
            double Quantile(double q) => latencies[(int)Math.Min(latencies.Length - 1, q * latencies.Length)];
            return new Measurement("durable commits on the same PostgreSQL", $"baseline: pgbench -N, {clients} clients", latencies.Length,
                TimeSpan.FromSeconds(latencies.Length / tps), Quantile(0.5), Quantile(0.99), 0, $"{tps:N0} TPS, -M prepared, fsync on");
        }
        finally
        {
            Directory.Delete(logs, recursive: true);
        }
    }

    /// <summary>pgbench from PATH, else PostgreSQL 15's own folder.</summary>
    private static string Pgbench =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, "pgbench"))) ? "pgbench" : "/usr/lib/postgresql/15/bin/pgbench";
}
