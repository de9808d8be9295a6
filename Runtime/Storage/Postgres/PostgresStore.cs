using System.Data.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Ates.Runtime.Storage.Postgres;

/// <summary>
/// The store for several silos on one PostgreSQL (DESIGN.md "Storage providers"). Appends are group-committed by
/// <see cref="GroupCommit"/>; readers page by (tx, position) below the oldest running transaction; leases are session
/// advisory locks (<see cref="PostgresLeaseSession"/>) and checkpoint moves are fenced on both the old position and
/// the lease; commits wake other silos by one NOTIFY per batch (<see cref="CommitListener"/>). Every idempotent
/// operation rides out a database restart by retrying within <see cref="PostgresStoreOptions.RetryWindow"/>.
/// </summary>
public sealed class PostgresStore : IAtesStore
{
    private readonly NpgsqlDataSource _dataSource;
    // Scans whose best plan depends on their limit and position (a partition read after a takeover, an operator's
    // count): planned at each call. Prepared, PostgreSQL settles on one generic plan, and a sort of the whole
    // partition under an unknown limit was seen to read 6,500 index entries per 68 rows returned.
    private readonly NpgsqlDataSource _scans;
    private readonly PostgresStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GroupCommit _commits;
    private readonly CommitListener _listener;
    private readonly LogTail _tail;
    private readonly CheckpointCommit _checkpoints;
    private readonly Lock _handlersLock = new();
    private Action<int>[] _committedHandlers = [];

    private PostgresStore(NpgsqlDataSource dataSource, PostgresStoreOptions options, TimeProvider time, ILogger logger)
    {
        _dataSource = dataSource;
        _scans = CreateDataSource(options.ConnectionString, "ates-scan", pooling: true, prepare: false);
        _options = options;
        _time = time;
        _logger = logger;
        Partitions = options.Partitions;
        _commits = new GroupCommit(this, options, logger);
        _listener = new CommitListener(options, logger, WakeAll);
        _tail = new LogTail(this, options, logger);
        _checkpoints = new CheckpointCommit(this, options.CheckpointPause);
    }

    /// <summary>Connects, creates or migrates the schema, and starts the group commit and the wake-up listener.</summary>
    public static async Task<PostgresStore> OpenAsync(PostgresStoreOptions options, TimeProvider? time = null, ILogger? logger = null, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Partitions, 1);
        logger ??= NullLogger.Instance;
        var dataSource = CreateDataSource(options.ConnectionString, "ates", pooling: true);
        try
        {
            await PostgresSchema.MigrateAsync(dataSource, options.Partitions, logger, ct).ConfigureAwait(false);
            var store = new PostgresStore(dataSource, options, time ?? TimeProvider.System, logger);
            await store._listener.StartAsync(ct).ConfigureAwait(false);
            return store;
        }
        catch
        {
            await dataSource.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A data source whose every session commits synchronously: an acknowledged write is on disk.</summary>
    internal static NpgsqlDataSource CreateDataSource(string connectionString, string applicationName, bool pooling, string? extraOptions = null, bool prepare = true)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        settings.ApplicationName ??= applicationName;
        settings.Pooling = pooling;
        settings.Options = $"{settings.Options} -c synchronous_commit=on {extraOptions}".Trim();
        // The same few statements run all the time: prepare them once per connection instead of parsing each call, and
        // skip the DISCARD ALL on every return to the pool (no statement here leaves session state behind).
        if (settings.MaxAutoPrepare == 0 && prepare) settings.MaxAutoPrepare = 32;
        settings.NoResetOnClose = true;
        return builder.Build();
    }

    public int Partitions { get; }

    internal NpgsqlDataSource DataSource => _dataSource;

    // ---- events ----

    public Task<AppendResult> AppendAsync(string streamId, long expectedVersion, string partitionKey, IReadOnlyList<EventData> events, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);
        if (events.Count == 0) throw new ArgumentException("Nothing to append.", nameof(events));
        return _commits.AppendAsync(streamId, expectedVersion, Partitioning.PartitionOf(partitionKey, Partitions), events);
    }

    /// <summary>Called by the group commit after each commit with the partitions it touched.</summary>
    internal void Committed(IReadOnlyCollection<int> partitions)
    {
        _tail.Announce();
        var handlers = Volatile.Read(ref _committedHandlers);
        foreach (var partition in partitions)
            foreach (var handler in handlers) handler(partition);
        _listener.Publish(partitions);
    }

    private void WakeAll(int partition)
    {
        _tail.Announce();
        foreach (var handler in Volatile.Read(ref _committedHandlers)) handler(partition);
    }

    public Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, long afterVersion, int maxCount, CancellationToken ct = default) =>
        ReadEventsAsync(_dataSource, PostgresSql.ReadStream, p =>
        {
            p.AddWithValue("stream_id", streamId);
            p.AddWithValue("after", afterVersion);
            p.AddWithValue("max", maxCount);
        }, ct);

    public async Task<RecordedEvent?> ReadEventAsync(string streamId, long streamVersion, CancellationToken ct = default) =>
        (await ReadEventsAsync(_dataSource, PostgresSql.ReadEvent, p =>
        {
            p.AddWithValue("stream_id", streamId);
            p.AddWithValue("version", streamVersion);
        }, ct).ConfigureAwait(false)).FirstOrDefault();

    public Task<IReadOnlyList<RecordedEvent>> ReadPartitionAsync(int partition, LogPosition after, int maxCount, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, Partitions);
        return ReadEventsAsync(_scans, PostgresSql.ReadPartition, p =>
        {
            p.AddWithValue("partition", partition);
            AddPosition(p, after);
            p.AddWithValue("max", maxCount);
        }, ct);
    }

    public async Task<IReadOnlyList<RecordedEvent>> ReadPartitionTailAsync(int partition, LogPosition after, int maxCount, CancellationToken ct = default) =>
        await _tail.ReadAsync(partition, after, maxCount, ct).ConfigureAwait(false) ?? await ReadPartitionAsync(partition, after, maxCount, ct).ConfigureAwait(false);

    public Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(LogPosition after, int maxCount, CancellationToken ct = default) =>
        ReadLogAsync(_scans, after, maxCount, ct);

    /// <summary>The tail's read (<see cref="LogTail"/>): always the next page of the log, so one prepared plan fits every call.</summary>
    internal Task<IReadOnlyList<RecordedEvent>> ReadTailPageAsync(LogPosition after, int maxCount, CancellationToken ct) =>
        ReadLogAsync(_dataSource, after, maxCount, ct);

    private Task<IReadOnlyList<RecordedEvent>> ReadLogAsync(NpgsqlDataSource source, LogPosition after, int maxCount, CancellationToken ct) =>
        ReadEventsAsync(source, PostgresSql.ReadAll, p =>
        {
            AddPosition(p, after);
            p.AddWithValue("max", maxCount);
        }, ct);

    public Task<LogPosition> ReadHeadAsync(CancellationToken ct = default) =>
        QueryAsync(PostgresSql.ReadHead, _ => { }, async r =>
            await r.ReadAsync(ct).ConfigureAwait(false) ? new LogPosition((long)r.GetFieldValue<ulong>(0), r.GetInt64(1)) : LogPosition.Start, ct);

    private static void AddPosition(NpgsqlParameterCollection p, LogPosition after)
    {
        p.Add(new NpgsqlParameter("tx", NpgsqlDbType.Xid8) { Value = (ulong)after.Tx });
        p.AddWithValue("position", after.Seq);
    }

    private Task<IReadOnlyList<RecordedEvent>> ReadEventsAsync(NpgsqlDataSource source, string sql, Action<NpgsqlParameterCollection> parameters, CancellationToken ct) =>
        QueryAsync<IReadOnlyList<RecordedEvent>>(source, sql, parameters, async r =>
        {
            var events = new List<RecordedEvent>();
            while (await r.ReadAsync(ct).ConfigureAwait(false)) events.Add(ReadEvent(r));
            return events;
        }, ct);

    /// <summary>An event row in the column order of PostgresSql.EventColumns, starting at <paramref name="offset"/>.</summary>
    private static RecordedEvent ReadEvent(DbDataReader r, int offset = 0) => new(
        EventId: r.GetGuid(offset + 5),
        StreamId: r.GetString(offset + 2),
        StreamVersion: r.GetInt64(offset + 3),
        Position: new LogPosition((long)r.GetFieldValue<ulong>(offset + 1), r.GetInt64(offset)),
        Partition: r.GetInt32(offset + 4),
        Type: r.GetString(offset + 6),
        Version: r.GetInt32(offset + 7),
        Data: r.GetFieldValue<byte[]>(offset + 8),
        Metadata: new EventMetadata(
            new DateTimeOffset(r.GetDateTime(offset + 9), TimeSpan.Zero),
            NullableString(r, offset + 10),
            NullableString(r, offset + 11),
            NullableString(r, offset + 12),
            NullableString(r, offset + 13)));

    private static string? NullableString(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    public async Task<StreamSnapshot?> ReadSnapshotAsync(string streamId, CancellationToken ct = default) =>
        await QueryAsync(PostgresSql.ReadSnapshot, p => p.AddWithValue("stream_id", streamId), async r =>
            await r.ReadAsync(ct).ConfigureAwait(false) ? new StreamSnapshot(streamId, r.GetInt64(0), r.GetFieldValue<byte[]>(1)) : null, ct).ConfigureAwait(false);

    public Task<(StreamSnapshot? Snapshot, IReadOnlyList<RecordedEvent> Events)> ReadSnapshotAndStreamAsync(string streamId, int maxCount, CancellationToken ct = default) =>
        QueryAsync<(StreamSnapshot?, IReadOnlyList<RecordedEvent>)>(PostgresSql.ReadSnapshotAndStream, p =>
        {
            p.AddWithValue("stream_id", streamId);
            p.AddWithValue("max", maxCount);
        }, async r =>
        {
            StreamSnapshot? snapshot = null;
            var events = new List<RecordedEvent>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                if (r.GetInt32(0) == 0) snapshot = new StreamSnapshot(streamId, r.GetInt64(1), r.GetFieldValue<byte[]>(2));
                else events.Add(ReadEvent(r, offset: 3));
            }
            return (snapshot, events);
        }, ct);

    public Task WriteSnapshotAsync(StreamSnapshot snapshot, CancellationToken ct = default) =>
        ExecuteAsync(PostgresSql.WriteSnapshot, p =>
        {
            p.AddWithValue("stream_id", snapshot.StreamId);
            p.AddWithValue("version", snapshot.Version);
            p.AddWithValue("state", snapshot.State);
        }, ct);

    public IDisposable OnCommitted(Action<int> partitionCommitted)
    {
        lock (_handlersLock) _committedHandlers = [.. _committedHandlers, partitionCommitted];
        return new Unsubscriber(this, partitionCommitted);
    }

    private sealed class Unsubscriber(PostgresStore store, Action<int> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (store._handlersLock) store._committedHandlers = store._committedHandlers.Where(h => h != handler).ToArray();
        }
    }

    // ---- subscriptions ----

    public Task<LogPosition> ReadCheckpointAsync(string subscription, int partition, CancellationToken ct = default) =>
        QueryAsync(PostgresSql.ReadCheckpoint, p =>
        {
            p.AddWithValue("subscription", subscription);
            p.AddWithValue("partition", partition);
        }, async r => await r.ReadAsync(ct).ConfigureAwait(false) ? new LogPosition(r.GetInt64(0), r.GetInt64(1)) : LogPosition.Start, ct);

    public async Task<bool> TryMoveCheckpointAsync(string subscription, int partition, LogPosition expected, LogPosition next, LeaseFence? fence = null,
        CancellationToken ct = default)
    {
        var (pid, key) = (0, 0L);
        if (fence is not null)
        {
            if (fence.Session is not PostgresLeaseSession session) throw new ArgumentException("The fence's lease session belongs to another store.", nameof(fence));
            pid = session.BackendPid;
            if (pid == 0 || !session.IsHeld(fence.Lease)) return false;
            key = PostgresLeaseSession.KeyOf(fence.Lease);
        }
        return await _checkpoints.MoveAsync(subscription, partition, expected, next, pid, key).WaitAsync(ct).ConfigureAwait(false);
    }

    public Task ResetCheckpointsAsync(string subscription, CancellationToken ct = default) =>
        ExecuteAsync(PostgresSql.ResetCheckpoints, p => p.AddWithValue("subscription", subscription), ct);

    public Task ParkAsync(DeadLetter d, CancellationToken ct = default) =>
        ExecuteAsync(PostgresSql.ParkDeadLetter, p =>
        {
            p.AddWithValue("id", d.Id);
            p.AddWithValue("subscription", d.Subscription);
            p.AddWithValue("partition", d.Partition);
            p.AddWithValue("event_id", d.EventId);
            p.AddWithValue("stream_id", d.StreamId);
            p.AddWithValue("stream_version", d.StreamVersion);
            p.AddWithValue("tx", d.Position.Tx);
            p.AddWithValue("position", d.Position.Seq);
            p.AddWithValue("type", d.Type);
            p.AddWithValue("error", d.Error);
            p.AddWithValue("attempts", d.Attempts);
            p.AddWithValue("first_failed_at", d.FirstFailedAt.UtcDateTime);
            p.AddWithValue("last_failed_at", d.LastFailedAt.UtcDateTime);
        }, ct);

    public Task<IReadOnlyList<DeadLetter>> ReadDeadLettersAsync(CancellationToken ct = default) =>
        QueryAsync<IReadOnlyList<DeadLetter>>(PostgresSql.ReadDeadLetters, _ => { }, async r =>
        {
            var letters = new List<DeadLetter>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                letters.Add(new DeadLetter(r.GetGuid(0), r.GetString(1), r.GetInt32(2), r.GetGuid(3), r.GetString(4), r.GetInt64(5),
                    new LogPosition(r.GetInt64(6), r.GetInt64(7)), r.GetString(8), r.GetString(9), r.GetInt32(10),
                    new DateTimeOffset(r.GetDateTime(11), TimeSpan.Zero), new DateTimeOffset(r.GetDateTime(12), TimeSpan.Zero)));
            }
            return letters;
        }, ct);

    public async Task<bool> RemoveDeadLetterAsync(Guid id, CancellationToken ct = default) =>
        await ExecuteAsync(PostgresSql.RemoveDeadLetter, p => p.AddWithValue("id", id), ct).ConfigureAwait(false) == 1;

    // ---- reminders ----

    public Task UpsertReminderAsync(ReminderEntry entry, CancellationToken ct = default) =>
        ExecuteAsync(PostgresSql.UpsertReminder, p =>
        {
            AddReminder(p, entry);
            p.AddWithValue("partition", Partitioning.PartitionOf(entry.Grain.ToString(), Partitions));
        }, ct);

    public async Task<bool> TryUpdateReminderAsync(ReminderEntry entry, Guid expectedETag, CancellationToken ct = default) =>
        await ExecuteAsync(PostgresSql.UpdateReminder, p =>
        {
            AddReminder(p, entry);
            p.AddWithValue("expected_etag", expectedETag);
        }, ct).ConfigureAwait(false) == 1;

    public async Task<bool> RemoveReminderAsync(GrainId grain, string name, Guid? expectedETag = null, CancellationToken ct = default) =>
        await ExecuteAsync(PostgresSql.RemoveReminder, p =>
        {
            p.AddWithValue("grain_type", grain.Type);
            p.AddWithValue("grain_key", grain.Key);
            p.AddWithValue("name", name);
            p.AddWithValue("any_etag", expectedETag is null);
            p.AddWithValue("expected_etag", expectedETag ?? Guid.Empty);
        }, ct).ConfigureAwait(false) == 1;

    public Task<IReadOnlyList<ReminderEntry>> ReadRemindersAsync(int partition, CancellationToken ct = default) =>
        ReadRemindersAsync(PostgresSql.ReadRemindersOfPartition, p => p.AddWithValue("partition", partition), ct);

    public Task<IReadOnlyList<ReminderEntry>> ReadRemindersAsync(GrainId grain, CancellationToken ct = default) =>
        ReadRemindersAsync(PostgresSql.ReadRemindersOfGrain, p =>
        {
            p.AddWithValue("grain_type", grain.Type);
            p.AddWithValue("grain_key", grain.Key);
        }, ct);

    private static void AddReminder(NpgsqlParameterCollection p, ReminderEntry entry)
    {
        p.AddWithValue("grain_type", entry.Grain.Type);
        p.AddWithValue("grain_key", entry.Grain.Key);
        p.AddWithValue("name", entry.Name);
        p.AddWithValue("due_at", entry.DueAt.UtcDateTime);
        p.AddWithValue("period_ms", (long)entry.Period.TotalMilliseconds);
        p.AddWithValue("etag", entry.ETag);
    }

    private Task<IReadOnlyList<ReminderEntry>> ReadRemindersAsync(string sql, Action<NpgsqlParameterCollection> parameters, CancellationToken ct) =>
        QueryAsync<IReadOnlyList<ReminderEntry>>(sql, parameters, async r =>
        {
            var entries = new List<ReminderEntry>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                entries.Add(new ReminderEntry(new GrainId(r.GetString(0), r.GetString(1)), r.GetString(2),
                    new DateTimeOffset(r.GetDateTime(3), TimeSpan.Zero), TimeSpan.FromMilliseconds(r.GetInt64(4)), r.GetGuid(5)));
            }
            return entries;
        }, ct);

    // ---- membership, leases, shared keys ----

    public Task UpsertSiloAsync(SiloEntry entry, CancellationToken ct = default) =>
        ExecuteAsync(PostgresSql.UpsertSilo, p =>
        {
            p.AddWithValue("silo_id", entry.SiloId);
            p.AddWithValue("address", entry.Address);
            p.AddWithValue("started_at", entry.StartedAt.UtcDateTime);
            p.AddWithValue("heartbeat_at", entry.HeartbeatAt.UtcDateTime);
            p.AddWithValue("status", (int)entry.Status);
        }, ct);

    public Task<IReadOnlyList<SiloEntry>> ReadSilosAsync(CancellationToken ct = default) =>
        QueryAsync<IReadOnlyList<SiloEntry>>(PostgresSql.ReadSilos, _ => { }, async r =>
        {
            var silos = new List<SiloEntry>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                silos.Add(new SiloEntry(r.GetString(0), r.GetString(1), new DateTimeOffset(r.GetDateTime(2), TimeSpan.Zero),
                    new DateTimeOffset(r.GetDateTime(3), TimeSpan.Zero), (SiloStatus)r.GetInt32(4)));
            }
            return silos;
        }, ct);

    public async Task<ILeaseSession> OpenLeaseSessionAsync(string siloId, TimeSpan ttl, CancellationToken ct = default)
    {
        var session = new PostgresLeaseSession(_options.ConnectionString, siloId, ttl, TimeProvider.System, _logger);
        await session.ConnectAsync(ct).ConfigureAwait(false);
        return session;
    }

    public Task StoreKeyAsync(string name, string value, CancellationToken ct = default) =>
        ExecuteAsync(PostgresSql.StoreKey, p =>
        {
            p.AddWithValue("name", name);
            p.AddWithValue("value", value);
        }, ct);

    public Task<IReadOnlyList<(string Name, string Value)>> ReadKeysAsync(CancellationToken ct = default) =>
        QueryAsync<IReadOnlyList<(string, string)>>(PostgresSql.ReadKeys, _ => { }, async r =>
        {
            var keys = new List<(string, string)>();
            while (await r.ReadAsync(ct).ConfigureAwait(false)) keys.Add((r.GetString(0), r.GetString(1)));
            return keys;
        }, ct);

    // ---- plumbing ----

    private async Task<int> ExecuteAsync(string sql, Action<NpgsqlParameterCollection> parameters, CancellationToken ct) =>
        await WithRetryAsync(async () =>
        {
            await using var command = _dataSource.CreateCommand(sql);
            parameters(command.Parameters);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);

    private Task<T> QueryAsync<T>(string sql, Action<NpgsqlParameterCollection> parameters, Func<NpgsqlDataReader, Task<T>> read, CancellationToken ct) =>
        QueryAsync(_dataSource, sql, parameters, read, ct);

    private Task<T> QueryAsync<T>(NpgsqlDataSource source, string sql, Action<NpgsqlParameterCollection> parameters, Func<NpgsqlDataReader, Task<T>> read, CancellationToken ct) =>
        WithRetryAsync(async () =>
        {
            await using var command = source.CreateCommand(sql);
            parameters(command.Parameters);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await read(reader).ConfigureAwait(false);
        }, ct);

    /// <summary>
    /// Runs an idempotent operation, retrying while the database is unreachable (a restart or failover) for up to the
    /// retry window. A broken pool is cleared so the retry opens fresh connections.
    /// </summary>
    internal async Task<T> WithRetryAsync<T>(Func<Task<T>> operation, CancellationToken ct)
    {
        var started = _time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                return await operation().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransient(ex) && !ct.IsCancellationRequested && _time.GetElapsedTime(started) < _options.RetryWindow)
            {
                _logger.LogWarning("PostgreSQL unreachable ({Error}); retrying in {Delay} ms", ex.Message, (int)delay.TotalMilliseconds);
                _dataSource.Clear();
                _scans.Clear();
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                throw new StoreUnavailableException($"PostgreSQL is unreachable: {ex.Message}", ex);
            }
        }
    }

    /// <summary>
    /// Lost connections, a server shutting down or starting up, and a transaction the server aborted as a deadlock
    /// victim or serialization failure (nothing of it applied): worth a retry, unlike any other answer.
    /// </summary>
    internal static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                                || pg.SqlState is "53300" or "40P01" or "40001",
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or System.Net.Sockets.SocketException or TimeoutException,
        _ => false,
    };

    public async ValueTask DisposeAsync()
    {
        await _commits.DisposeAsync().ConfigureAwait(false);
        await _tail.DisposeAsync().ConfigureAwait(false);
        await _checkpoints.DisposeAsync().ConfigureAwait(false);
        await _listener.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        await _scans.DisposeAsync().ConfigureAwait(false);
    }
}
