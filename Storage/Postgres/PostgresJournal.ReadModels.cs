using Ates.Journal;
using Npgsql;
using NpgsqlTypes;

namespace Ates.Storage.Postgres;

// Read models: rows applied per partition through a journal position, and the queries over them.
public sealed partial class PostgresJournal
{
    public Task ApplyAsync(string model, int partition, IReadOnlyList<ReadRow> rows, JournalPosition through, CancellationToken ct = default) =>
        Volatile.Read(ref _disposed) != 0 ? Task.FromException(new JournalUnavailableException("The journal is closed.")) : _readRows.ApplyAsync(model, partition, rows, through);

    public Task<IReadOnlyList<JournalPosition>> AppliedThroughAsync(string model, CancellationToken ct = default) =>
        QueryAsync<IReadOnlyList<JournalPosition>>(PostgresSql.ReadProgress, p => p.AddWithValue("model", model), async r =>
        {
            var applied = new JournalPosition[JournalPartitions.Count];
            while (await r.ReadAsync(ct).ConfigureAwait(false)) applied[r.GetInt32(0)] = new JournalPosition(r.GetInt64(1), r.GetInt64(2));
            return applied;
        }, ct);

    public Task<IReadOnlyList<ReadRow>> GetAsync(string model, IReadOnlyCollection<string> keys, CancellationToken ct = default) =>
        QueryAsync(PostgresSql.ReadRowsByKey, p =>
        {
            p.AddWithValue("model", model);
            p.AddWithValue("keys", keys.ToArray());
        }, r => ReadRowsAsync(r, ct), ct);

    // Filters that may or may not be given: planned at each call (_scans), not once for every combination.
    public Task<IReadOnlyList<ReadRow>> QueryAsync(ReadQuery query, CancellationToken ct = default) =>
        QueryAsync(_scans, query.Order switch
        {
            ReadOrder.RankA => PostgresSql.QueryReadRowsByRankA,
            ReadOrder.RankB => PostgresSql.QueryReadRowsByRankB,
            _ => PostgresSql.QueryReadRows,
        }, p =>
        {
            Matching(p, query);
            p.Add(new NpgsqlParameter("before", NpgsqlDbType.Bigint) { Value = (object?)query.Before ?? DBNull.Value });
            p.Add(new NpgsqlParameter("before_rank", NpgsqlDbType.Numeric) { Value = (object?)query.BeforeRank ?? DBNull.Value });
            p.AddWithValue("limit", query.Limit);
        }, r => ReadRowsAsync(r, ct), ct);

    public Task<long> CountAsync(ReadQuery query, CancellationToken ct = default) =>
        QueryAsync(_scans, PostgresSql.CountReadRows, p => Matching(p, query), async r =>
        {
            await r.ReadAsync(ct).ConfigureAwait(false);
            return r.GetInt64(0);
        }, ct);

    private static void Matching(NpgsqlParameterCollection p, ReadQuery query)
    {
        p.AddWithValue("model", query.Model);
        p.Add(new NpgsqlParameter("owner", NpgsqlDbType.Text) { Value = (object?)query.Owner ?? DBNull.Value });
        p.Add(new NpgsqlParameter("state", NpgsqlDbType.Text) { Value = (object?)query.State ?? DBNull.Value });
        p.AddWithValue("words", query.Words.ToArray());
    }

    public Task<IReadOnlyList<string>> KeysAsync(string model, string state, CancellationToken ct = default) =>
        QueryAsync<IReadOnlyList<string>>(PostgresSql.ReadRowKeysInState, p =>
        {
            p.AddWithValue("model", model);
            p.AddWithValue("state", state);
        }, async r =>
        {
            var keys = new List<string>();
            while (await r.ReadAsync(ct).ConfigureAwait(false)) keys.Add(r.GetString(0));
            return keys;
        }, ct);

    private static async Task<IReadOnlyList<ReadRow>> ReadRowsAsync(NpgsqlDataReader r, CancellationToken ct)
    {
        var rows = new List<ReadRow>();
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            rows.Add(new ReadRow(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), NullableString(r, 4), NullableString(r, 5), r.GetString(6),
                r.GetFieldValue<byte[]>(7), r.GetDecimal(8), r.GetDecimal(9)));
        }
        return rows;
    }
}
