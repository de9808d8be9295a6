using Ates.Journal;
using Microsoft.Data.Sqlite;

namespace Ates.Storage.Sqlite;

// Read models: rows applied per partition through a journal position (written by the writer thread), and the queries over them.
public sealed partial class SqliteJournal
{
    public Task ApplyAsync(string model, int partition, IReadOnlyList<ReadRow> rows, JournalPosition through, CancellationToken ct = default) =>
        Enqueue(new Write<bool>(w =>
        {
            w.ApplyRows(model, partition, rows, through);
            return true;
        }));

    public Task<IReadOnlyList<JournalPosition>> AppliedThroughAsync(string model, CancellationToken ct = default) =>
        Read<IReadOnlyList<JournalPosition>>(connection =>
        {
            using var command = new SqliteCommand(SqliteSql.ReadProgress, connection);
            command.Parameters.AddWithValue("$model", model);
            using var r = command.ExecuteReader();
            var applied = new JournalPosition[JournalPartitions.Count];
            while (r.Read()) applied[r.GetInt32(0)] = new JournalPosition(r.GetInt64(1), r.GetInt64(2));
            return applied;
        });

    public Task<IReadOnlyList<ReadRow>> GetAsync(string model, IReadOnlyCollection<string> keys, CancellationToken ct = default) =>
        Read<IReadOnlyList<ReadRow>>(connection =>
        {
            using var command = new SqliteCommand(SqliteSql.ReadRowsByKey, connection);
            command.Parameters.AddWithValue("$model", model);
            command.Parameters.AddWithValue("$keys", System.Text.Json.JsonSerializer.Serialize(keys));
            return ReadRows(command);
        });

    // A search may scan many rows: off the caller's thread, which may be an Orleans scheduler's.
    public Task<IReadOnlyList<ReadRow>> QueryAsync(ReadQuery query, CancellationToken ct = default) =>
        Task.Run(() => _readers.With<IReadOnlyList<ReadRow>>(connection =>
        {
            var sql = query.Order switch { ReadOrder.RankA => SqliteSql.QueryReadRowsByRankA, ReadOrder.RankB => SqliteSql.QueryReadRowsByRankB, _ => SqliteSql.QueryReadRows };
            using var command = Matching(new SqliteCommand(sql, connection), query);
            command.Parameters.AddWithValue("$before", (object?)query.Before ?? DBNull.Value);
            command.Parameters.AddWithValue("$before_rank", (object?)query.BeforeRank ?? DBNull.Value);
            command.Parameters.AddWithValue("$limit", query.Limit);
            return ReadRows(command);
        }), ct);

    public Task<long> CountAsync(ReadQuery query, CancellationToken ct = default) =>
        Task.Run(() => _readers.With(connection =>
        {
            using var command = Matching(new SqliteCommand(SqliteSql.CountReadRows, connection), query);
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }), ct);

    private static SqliteCommand Matching(SqliteCommand command, ReadQuery query)
    {
        command.Parameters.AddWithValue("$model", query.Model);
        command.Parameters.AddWithValue("$owner", (object?)query.Owner ?? DBNull.Value);
        command.Parameters.AddWithValue("$state", (object?)query.State ?? DBNull.Value);
        command.Parameters.AddWithValue("$words", System.Text.Json.JsonSerializer.Serialize(query.Words));
        return command;
    }

    public Task<IReadOnlyList<string>> KeysAsync(string model, string state, CancellationToken ct = default) =>
        Task.Run(() => _readers.With<IReadOnlyList<string>>(connection =>
        {
            using var command = new SqliteCommand(SqliteSql.ReadRowKeysInState, connection);
            command.Parameters.AddWithValue("$model", model);
            command.Parameters.AddWithValue("$state", state);
            using var r = command.ExecuteReader();
            var keys = new List<string>();
            while (r.Read()) keys.Add(r.GetString(0));
            return keys;
        }), ct);

    private static List<ReadRow> ReadRows(SqliteCommand command)
    {
        using var r = command.ExecuteReader();
        var rows = new List<ReadRow>();
        while (r.Read())
        {
            rows.Add(new ReadRow(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5), r.GetString(6), (byte[])r.GetValue(7), r.GetDecimal(8), r.GetDecimal(9)));
        }
        return rows;
    }
}
