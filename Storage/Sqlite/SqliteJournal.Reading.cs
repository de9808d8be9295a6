using Ates.Journal;
using Ates.Storage.Journal;
using Microsoft.Data.Sqlite;

namespace Ates.Storage.Sqlite;

// Reads: pooled read-only connections beside the writer (WAL): events, the head, subscriptions' state, dead letters, keys.
public sealed partial class SqliteJournal
{
    public Task<IReadOnlyList<JournalEvent>> ReadStreamAsync(string streamId, long afterVersion, int maxCount, CancellationToken ct = default) =>
        Read(() => _readers.ReadStream(streamId, afterVersion, maxCount));

    // A log read can be long (a new reader catching up): off the caller's thread, which may be an Orleans scheduler's.
    public Task<IReadOnlyList<JournalEvent>> ReadLogAsync(JournalPosition after, int maxCount, CancellationToken ct = default) =>
        Task.Run(() => _readers.ReadLog(after.Seq, maxCount), ct);

    public Task<JournalPosition> ReadHeadAsync(CancellationToken ct = default) =>
        Read(connection =>
        {
            using var command = new SqliteCommand(SqliteSql.ReadHead, connection);
            return new JournalPosition(0, (long)command.ExecuteScalar()!);
        });

    public Task<IReadOnlyList<JournalEvent>> ReadPartitionAsync(int partition, JournalPosition after, int maxCount, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, JournalPartitions.Count);
        // Off the caller's thread, which may be an Orleans scheduler's: a queue catching up from far back reads long pages.
        return Task.Run(() => _readers.ReadPartition(partition, after.Seq, maxCount), ct);
    }

    public IDisposable OnAppended(Action appended) => _listeners.Add(appended);

    public IDisposable OnPartitionsAppended(Action<int> appended) => _listeners.Add(appended);

    public Task<long> ReadEpochAsync(string subscription, CancellationToken ct = default) =>
        Read(connection => ReadEpoch(connection, null, subscription));

    public Task<SubscriptionCheckpoint> ReadCheckpointAsync(string subscription, int queue, CancellationToken ct = default) =>
        Read(connection =>
        {
            var epoch = ReadEpoch(connection, null, subscription);
            return ReadCheckpoints(connection, subscription, epoch, queue).SingleOrDefault()
                ?? new SubscriptionCheckpoint(subscription, queue, epoch, JournalPosition.Start, null, DateTimeOffset.MinValue);
        });

    public Task<IReadOnlyList<SubscriptionCheckpoint>> ReadCheckpointsAsync(string subscription, CancellationToken ct = default) =>
        Read<IReadOnlyList<SubscriptionCheckpoint>>(connection => ReadCheckpoints(connection, subscription, ReadEpoch(connection, null, subscription), null));

    public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(CancellationToken ct = default) =>
        Read<IReadOnlyList<DeadLetter>>(connection =>
        {
            using var command = new SqliteCommand(SqliteSql.ListDeadLetters, connection);
            using var r = command.ExecuteReader();
            var letters = new List<DeadLetter>();
            while (r.Read())
            {
                letters.Add(new DeadLetter(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetGuid(3), r.GetString(4), r.GetInt64(5),
                    new JournalPosition(r.GetInt64(6), r.GetInt64(7)), r.GetString(8), r.GetString(9), r.GetInt32(10), SqliteTime.FromMicroseconds(r.GetInt64(11)),
                    SqliteTime.FromMicroseconds(r.GetInt64(12))));
            }
            return letters;
        });

    public Task<IReadOnlyList<(string Name, string Value)>> ReadKeysAsync(CancellationToken ct = default) =>
        Read<IReadOnlyList<(string, string)>>(connection =>
        {
            using var command = new SqliteCommand(SqliteSql.ReadKeys, connection);
            using var r = command.ExecuteReader();
            var keys = new List<(string, string)>();
            while (r.Read()) keys.Add((r.GetString(0), r.GetString(1)));
            return keys;
        });

    private static long ReadEpoch(SqliteConnection connection, SqliteTransaction? tx, string subscription)
    {
        using var command = new SqliteCommand(SqliteSql.ReadEpoch, connection, tx);
        command.Parameters.AddWithValue("$subscription", subscription);
        return command.ExecuteScalar() is long epoch ? epoch : 1;
    }

    private static List<SubscriptionCheckpoint> ReadCheckpoints(SqliteConnection connection, string subscription, long epoch, int? queue)
    {
        using var command = new SqliteCommand(queue is null ? SqliteSql.ReadCheckpoints : SqliteSql.ReadCheckpoint, connection);
        command.Parameters.AddWithValue("$subscription", subscription);
        command.Parameters.AddWithValue("$epoch", epoch);
        if (queue is not null) command.Parameters.AddWithValue("$queue", queue.Value);
        using var r = command.ExecuteReader();
        var checkpoints = new List<SubscriptionCheckpoint>();
        while (r.Read())
        {
            checkpoints.Add(new SubscriptionCheckpoint(subscription, r.GetInt32(0), epoch, new JournalPosition(r.GetInt64(1), r.GetInt64(2)),
                r.IsDBNull(3) ? null : r.GetString(3), SqliteTime.FromMicroseconds(r.GetInt64(4))));
        }
        return checkpoints;
    }

    // Microsoft.Data.Sqlite runs its "async" methods synchronously anyway; reads are short indexed lookups.
    private Task<T> Read<T>(Func<SqliteConnection, T> read) => Read(() => _readers.With(read));

    private static Task<T> Read<T>(Func<T> read)
    {
        try
        {
            return Task.FromResult(read());
        }
        catch (Exception ex)
        {
            return Task.FromException<T>(ex);
        }
    }
}
