using System.Data.Common;
using Ates.Journal;
using Npgsql;
using NpgsqlTypes;

namespace Ates.Storage.Postgres;

// Reading events: a stream, the whole log or a partition in commit order, and the head.
public sealed partial class PostgresJournal
{
    public async Task<IReadOnlyList<JournalEvent>> ReadStreamAsync(string streamId, long afterVersion, int maxCount, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        return await ReadEventsAsync(_dataSource, PostgresSql.ReadStream, p =>
        {
            p.AddWithValue("stream_id", streamId);
            p.AddWithValue("after", afterVersion);
            p.AddWithValue("max", maxCount);
        }, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JournalEvent>> ReadLogAsync(JournalPosition after, int maxCount, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        return await ReadEventsAsync(_scans, PostgresSql.ReadLog, p =>
        {
            p.Add(new NpgsqlParameter("tx", NpgsqlDbType.Xid8) { Value = (ulong)Math.Max(0, after.Tx) });
            p.AddWithValue("position", after.Seq);
            p.AddWithValue("max", maxCount);
        }, ct).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<JournalEvent>> ReadPartitionAsync(int partition, JournalPosition after, int maxCount, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, JournalPartitions.Count);
        ArgumentOutOfRangeException.ThrowIfNegative(maxCount);
        return await ReadEventsAsync(_dataSource, PostgresSql.ReadPartition, p =>
        {
            p.AddWithValue("partition", (short)partition);
            p.Add(new NpgsqlParameter("tx", NpgsqlDbType.Xid8) { Value = (ulong)Math.Max(0, after.Tx) });
            p.AddWithValue("position", after.Seq);
            p.AddWithValue("max", maxCount);
        }, ct).ConfigureAwait(false);
    }

    public Task<JournalPosition> ReadHeadAsync(CancellationToken ct = default) =>
        QueryAsync(PostgresSql.ReadHead, _ => { }, async r =>
            await r.ReadAsync(ct).ConfigureAwait(false) ? new JournalPosition((long)r.GetFieldValue<ulong>(0), r.GetInt64(1)) : JournalPosition.Start, ct);

    private Task<IReadOnlyList<JournalEvent>> ReadEventsAsync(NpgsqlDataSource source, string sql, Action<NpgsqlParameterCollection> parameters, CancellationToken ct) =>
        QueryAsync<IReadOnlyList<JournalEvent>>(source, sql, parameters, async r =>
        {
            var events = new List<JournalEvent>();
            while (await r.ReadAsync(ct).ConfigureAwait(false)) events.Add(ReadEvent(r));
            return events;
        }, ct);

    /// <summary>An event row in the column order of PostgresSql.EventColumns.</summary>
    private static JournalEvent ReadEvent(DbDataReader r) => new(
        EventId: r.GetGuid(4),
        StreamId: r.GetString(2),
        StreamVersion: r.GetInt64(3),
        Position: new JournalPosition((long)r.GetFieldValue<ulong>(1), r.GetInt64(0)),
        Type: r.GetString(5),
        Version: r.GetInt32(6),
        Data: r.GetFieldValue<byte[]>(7),
        Metadata: new EventMetadata(
            r.GetFieldValue<DateTimeOffset>(8),
            NullableString(r, 9),
            NullableString(r, 10),
            NullableString(r, 11),
            NullableString(r, 12)));

    private static string? NullableString(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
