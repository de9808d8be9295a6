using Ates.Journal;
using Ates.Storage.Journal;
using Microsoft.Data.Sqlite;

namespace Ates.Storage.Sqlite;

/// <summary>
/// The one writer of a journal file: its connection, every write statement prepared once (a statement compiled per
/// append cost more than the insert itself), and the stream versions it has seen, so an append to a known stream
/// needs no read. Used by the writer thread only.
/// </summary>
internal sealed class SqliteWriter : IDisposable
{
    private readonly SqliteConnection _connection;
    private const int MaxKnownVersions = 50_000;
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _uncommitted = new(StringComparer.Ordinal);
    private readonly List<SqliteCommand> _commands = [];
    private readonly SqliteCommand _readVersion;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _advanceCheckpoint;
    private readonly SqliteCommand _readEpoch;
    private readonly SqliteCommand _setEpoch;
    private readonly SqliteCommand _deleteCheckpoints;
    private readonly SqliteCommand _park;
    private readonly SqliteCommand _removeDeadLetter;
    private readonly SqliteCommand _storeKey;
    private readonly SqliteCommand _upsertRow;
    private readonly SqliteCommand _advanceProgress;
    private SqliteTransaction? _transaction;

    public SqliteWriter(string connectionString)
    {
        _connection = new SqliteConnection(connectionString);
        _connection.Open();
        SqliteSchema.Migrate(_connection);
        _readVersion = Prepare(SqliteSql.ReadStreamVersion, "$stream_id");
        _insert = Prepare(SqliteSql.InsertEvent, "$stream_id", "$stream_version", "$event_id", "$type", "$version", "$data", "$occurred_at",
            "$correlation_id", "$causation_id", "$trace_parent", "$actor_user_id", "$partition");
        _advanceCheckpoint = Prepare(SqliteSql.AdvanceCheckpoint, "$subscription", "$queue", "$epoch", "$tx", "$seq", "$owner", "$updated_at");
        _readEpoch = Prepare(SqliteSql.ReadEpoch, "$subscription");
        _setEpoch = Prepare(SqliteSql.SetEpoch, "$subscription", "$epoch");
        _deleteCheckpoints = Prepare(SqliteSql.DeleteCheckpoints, "$subscription");
        _park = Prepare(SqliteSql.ParkDeadLetter, "$id", "$subscription", "$target", "$event_id", "$stream_id", "$stream_version", "$tx", "$seq", "$type",
            "$error", "$attempts", "$first_failed_at", "$last_failed_at");
        _removeDeadLetter = Prepare(SqliteSql.RemoveDeadLetter, "$id");
        _storeKey = Prepare(SqliteSql.StoreKey, "$name", "$value");
        _upsertRow = Prepare(SqliteSql.UpsertReadRow, "$model", "$key", "$version", "$seq", "$owner", "$state", "$text", "$data", "$rank_a", "$rank_b");
        _advanceProgress = Prepare(SqliteSql.AdvanceReadProgress, "$model", "$partition", "$tx", "$seq");
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = name });
        command.Prepare();
        _commands.Add(command);
        return command;
    }

    /// <summary>BEGIN IMMEDIATE: the write lock is taken now, so nothing can fail later for want of it.</summary>
    public void Begin()
    {
        _transaction = _connection.BeginTransaction(deferred: false);
        foreach (var command in _commands) command.Transaction = _transaction;
    }

    /// <summary>Commits (one fsync of the WAL); the versions appended become known to later batches.</summary>
    public void Commit()
    {
        _transaction!.Commit();
        End();
        // A cache of the streams written lately, not of every stream ever: past its bound it starts over (a miss costs
        // one indexed read), so a journal of millions of tasks does not keep millions of stream names in memory.
        if (_versions.Count + _uncommitted.Count > MaxKnownVersions) _versions.Clear();
        foreach (var (stream, version) in _uncommitted) _versions[stream] = version;
        _uncommitted.Clear();
    }

    public void Rollback()
    {
        _transaction?.Rollback();
        End();
        _uncommitted.Clear();
    }

    /// <summary>After a commit of unknown outcome: read every version again when next needed.</summary>
    public void Forget() => _versions.Clear();

    private void End()
    {
        _transaction?.Dispose();
        _transaction = null;
    }

    /// <summary>
    /// Appends at the expected version or throws <see cref="JournalConflictException"/> before writing anything. Later
    /// appends of the same batch see this one's version.
    /// </summary>
    public AppendResult Append(string streamId, long expectedVersion, IReadOnlyList<NewEvent> events)
    {
        if (!_uncommitted.TryGetValue(streamId, out var actual) && !_versions.TryGetValue(streamId, out actual))
        {
            _readVersion.Parameters[0].Value = streamId;
            actual = (long)_readVersion.ExecuteScalar()!;
        }
        if (actual != expectedVersion) throw new JournalConflictException(streamId, expectedVersion, actual);

        var p = _insert.Parameters;
        var version = expectedVersion;
        var partition = JournalPartitions.Of(streamId);
        long position = 0;
        foreach (var e in events)
        {
            p[0].Value = streamId;
            p[1].Value = ++version;
            p[2].Value = e.EventId;
            p[3].Value = e.Type;
            p[4].Value = e.Version;
            p[5].Value = e.Data;
            p[6].Value = SqliteTime.Microseconds(e.Metadata.OccurredAt);
            p[7].Value = (object?)e.Metadata.CorrelationId ?? DBNull.Value;
            p[8].Value = (object?)e.Metadata.CausationId ?? DBNull.Value;
            p[9].Value = (object?)e.Metadata.TraceParent ?? DBNull.Value;
            p[10].Value = (object?)e.Metadata.ActorUserId ?? DBNull.Value;
            p[11].Value = partition;
            position = (long)_insert.ExecuteScalar()!;
        }
        _uncommitted[streamId] = version;
        return new AppendResult(version, new JournalPosition(0, position));
    }

    public bool AdvanceCheckpoint(SubscriptionCheckpoint checkpoint) => Execute(_advanceCheckpoint, checkpoint.Subscription, checkpoint.Queue, checkpoint.Epoch,
        checkpoint.Position.Tx, checkpoint.Position.Seq, checkpoint.Owner, SqliteTime.Microseconds(DateTimeOffset.UtcNow)) == 1;

    public long RestartSubscription(string subscription)
    {
        _readEpoch.Parameters[0].Value = subscription;
        var epoch = (_readEpoch.ExecuteScalar() is long current ? current : 1) + 1;
        Execute(_setEpoch, subscription, epoch);
        Execute(_deleteCheckpoints, subscription);
        return epoch;
    }

    public void Park(DeadLetter d) => Execute(_park, d.Id, d.Subscription, d.Target, d.EventId, d.StreamId, d.StreamVersion, d.Position.Tx, d.Position.Seq, d.Type,
        d.Error, d.Attempts, SqliteTime.Microseconds(d.FirstFailedAt), SqliteTime.Microseconds(d.LastFailedAt));

    public bool RemoveDeadLetter(Guid id) => Execute(_removeDeadLetter, id) == 1;

    public void StoreKey(string name, string value) => Execute(_storeKey, name, value);

    public void ApplyRows(string model, int partition, IReadOnlyList<ReadRow> rows, JournalPosition through)
    {
        foreach (var row in rows) Execute(_upsertRow, model, row.Key, row.Version, row.Seq, row.Owner, row.State, row.Text, row.Data, row.RankA, row.RankB);
        Execute(_advanceProgress, model, partition, through.Tx, through.Seq);
    }

    private static int Execute(SqliteCommand command, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
        return command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        foreach (var command in _commands) command.Dispose();
        _transaction?.Dispose();
        _connection.Dispose();
    }
}

internal static class SqliteTime
{
    // Whole microseconds since the Unix epoch: exact, sortable, and what PostgreSQL keeps too.
    public static long Microseconds(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset FromMicroseconds(long microseconds) => DateTimeOffset.UnixEpoch.AddTicks(microseconds * 10);
}
