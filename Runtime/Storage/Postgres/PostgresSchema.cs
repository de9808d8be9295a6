using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ates.Runtime.Storage.Postgres;

/// <summary>
/// Creates and migrates the schema at start: the versioned scripts under Migrations/ (NNNN_name.sql) are applied in
/// order, each at most once, in one transaction under an advisory lock, so silos starting together do not race.
/// </summary>
internal static class PostgresSchema
{
    public static IReadOnlyList<(int Version, string Name, string Sql)> Scripts { get; } = LoadScripts();

    private static List<(int, string, string)> LoadScripts()
    {
        var assembly = typeof(PostgresSchema).Assembly;
        const string prefix = "Ates.Migrations.";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var name = n[prefix.Length..^4];
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (int.Parse(name[..name.IndexOf('_')], System.Globalization.CultureInfo.InvariantCulture), name, reader.ReadToEnd());
            })
            .OrderBy(s => s.Item1)
            .ToList();
    }

    public static async Task MigrateAsync(NpgsqlDataSource dataSource, int partitions, ILogger logger, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await Execute(connection, PostgresSql.LockMigrations, ct).ConfigureAwait(false);
        await Execute(connection, PostgresSql.CreateSchemaVersions, ct).ConfigureAwait(false);

        var applied = new HashSet<int>();
        await using (var read = new NpgsqlCommand(PostgresSql.ReadSchemaVersions, connection))
        await using (var reader = await read.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) applied.Add(reader.GetInt32(0));
        }

        foreach (var (version, name, sql) in Scripts.Where(s => !applied.Contains(s.Version)))
        {
            logger.LogInformation("Applying schema migration {Migration}", name);
            await Execute(connection, sql, ct).ConfigureAwait(false);
            await using var record = new NpgsqlCommand(PostgresSql.RecordSchemaVersion, connection);
            record.Parameters.AddWithValue("version", version);
            record.Parameters.AddWithValue("name", name);
            await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }

        // The partition count decides where every event lives: a store keeps the count it was created with.
        await using (var claim = new NpgsqlCommand(PostgresSql.ClaimPartitions, connection))
        {
            claim.Parameters.AddWithValue("partitions", partitions.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var stored = (string)(await claim.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
            if (stored != partitions.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                throw new InvalidOperationException(
                    $"This database was created with Ates:Partitions={stored}, this silo is configured with {partitions}. Every silo of a store must use the partition count it was created with.");
            }
        }
        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
