using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ates.Storage.Postgres;

/// <summary>
/// Creates and migrates the schema at open: the versioned scripts under Migrations/ (NNNN_name.sql, embedded) are
/// applied in order, each at most once, in one transaction under an advisory lock, so processes opening one database
/// at once do not race (the second waits, then finds everything applied).
/// </summary>
internal static class PostgresSchema
{
    private const string ResourcePrefix = "Ates.Storage.Postgres.Migrations.";

    public static IReadOnlyList<(int Version, string Name, string Sql)> Scripts { get; } = LoadScripts();

    private static List<(int, string, string)> LoadScripts()
    {
        var assembly = typeof(PostgresSchema).Assembly;
        var scripts = assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var name = n[ResourcePrefix.Length..^4];
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (int.Parse(name[..name.IndexOf('_', StringComparison.Ordinal)], NumberStyles.None, CultureInfo.InvariantCulture), name, reader.ReadToEnd());
            })
            .OrderBy(s => s.Item1)
            .ToList();
        if (scripts.Select(s => s.Item1).Distinct().Count() != scripts.Count) throw new InvalidOperationException("Two journal migrations share a version.");
        return scripts;
    }

    public static async Task MigrateAsync(NpgsqlDataSource dataSource, ILogger logger, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
        await ExecuteAsync(connection, PostgresSql.LockMigrations, ct).ConfigureAwait(false);
        await ExecuteAsync(connection, PostgresSql.CreateSchemaVersions, ct).ConfigureAwait(false);

        var applied = new HashSet<int>();
        await using (var read = new NpgsqlCommand(PostgresSql.ReadSchemaVersions, connection))
        await using (var reader = await read.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(ct).ConfigureAwait(false)) applied.Add(reader.GetInt32(0));
        }

        var newest = Scripts.Count == 0 ? 0 : Scripts[^1].Version;
        if (applied.Any(v => v > newest))
        {
            logger.LogWarning("The journal's database has schema version {Applied}, newer than this build's {Known}", applied.Max(), newest);
        }

        foreach (var (version, name, sql) in Scripts.Where(s => !applied.Contains(s.Version)))
        {
            logger.LogInformation("Applying journal migration {Migration}", name);
            await ExecuteAsync(connection, sql, ct).ConfigureAwait(false);
            await using var record = new NpgsqlCommand(PostgresSql.RecordSchemaVersion, connection);
            record.Parameters.AddWithValue("version", version);
            record.Parameters.AddWithValue("name", name);
            await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await transaction.CommitAsync(ct).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }
}
