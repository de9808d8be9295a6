using System.Data.Common;
using Ates.Journal;
using Ates.Storage.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Ates.Storage.Postgres;

/// <summary>
/// The journal on PostgreSQL, for several silos sharing one database. Appends are group-committed
/// (<see cref="GroupCommit"/>); log readers page by (tx, position) below the oldest running transaction, because
/// positions are allocated before commit and transactions commit out of order; each commit wakes this process's
/// listeners directly and other processes' by one NOTIFY per batch (<see cref="CommitListener"/>). Every idempotent
/// operation rides out a database restart by retrying within <see cref="PostgresJournalOptions.RetryWindow"/>.
/// </summary>
public sealed class PostgresJournal : IJournalStore
{
    private readonly NpgsqlDataSource _dataSource;
    // Scans whose best plan depends on their limit and position (a log page from anywhere): planned at each call.
    // Prepared, PostgreSQL settles on one generic plan, and a sort of the whole log under an unknown limit is a plan
    // it may pick.
    private readonly NpgsqlDataSource _scans;
    private readonly PostgresJournalOptions _options;
    private readonly ILogger _logger;
    private readonly AppendListeners _listeners = new();
    private readonly GroupCommit _commits;
    private readonly CommitListener _commitListener;
    private readonly ReadRowsCommit _readRows;
    private int _disposed;

    private PostgresJournal(NpgsqlDataSource dataSource, NpgsqlDataSource scans, PostgresJournalOptions options, ILogger logger)
    {
        _dataSource = dataSource;
        _scans = scans;
        _options = options;
        _logger = logger;
        Description = DescriptionOf(options.ConnectionString);
        _commitListener = new CommitListener(options, logger, _listeners.Notify);
        _commits = new GroupCommit(this, options, logger);
        _readRows = new ReadRowsCommit(this, logger);
    }

    /// <summary>Connects, creates or migrates the schema, and starts the group commit and the commit listener.</summary>
    public static async Task<PostgresJournal> OpenAsync(PostgresJournalOptions options, ILogger? logger = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxEventsPerCommit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ConcurrentCommits, 1);
        ArgumentException.ThrowIfNullOrEmpty(options.Channel);
        logger ??= NullLogger.Instance;
        var dataSource = CreateDataSource(options.ConnectionString, "ates", pooling: true);
        var scans = CreateDataSource(options.ConnectionString, "ates-scan", pooling: true, prepare: false);
        PostgresJournal? journal = null;
        try
        {
            await WithRetryAsync(async () =>
            {
                await PostgresSchema.MigrateAsync(dataSource, logger, ct).ConfigureAwait(false);
                return true;
            }, options.RetryWindow, logger, [dataSource], ct).ConfigureAwait(false);
            journal = new PostgresJournal(dataSource, scans, options, logger);
            await journal._commitListener.StartAsync(ct).ConfigureAwait(false);
            return journal;
        }
        catch
        {
            if (journal is not null) await journal.DisposeAsync().ConfigureAwait(false);
            else
            {
                await dataSource.DisposeAsync().ConfigureAwait(false);
                await scans.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
    }

    /// <summary>A data source whose every session commits synchronously: an acknowledged write is on disk.</summary>
    internal static NpgsqlDataSource CreateDataSource(string connectionString, string applicationName, bool pooling, bool prepare = true)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        settings.ApplicationName ??= applicationName;
        settings.Pooling = pooling;
        settings.Options = $"{settings.Options} -c synchronous_commit=on".Trim();
        // The same few statements run all the time: prepare them once per connection instead of parsing each call, and
        // skip the DISCARD ALL on every return to the pool (no statement here leaves session state behind).
        if (settings.MaxAutoPrepare == 0 && prepare) settings.MaxAutoPrepare = 32;
        settings.NoResetOnClose = true;
        return builder.Build();
    }

    private static string DescriptionOf(string connectionString)
    {
        // Host, port and database only: never the password or anything else of the connection string.
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgres:{settings.Host}:{settings.Port}/{settings.Database ?? settings.Username}";
    }

    public string Description { get; }

    internal NpgsqlDataSource DataSource => _dataSource;

    internal GroupCommit Commits => _commits;

    // ---- events ----

    public Task<AppendResult> AppendAsync(string streamId, long expectedVersion, IReadOnlyList<NewEvent> events, CancellationToken ct = default)
    {
        try
        {
            JournalArguments.CheckAppend(streamId, expectedVersion, events);
            // Only before it is queued: once on its way an append is finished, so that its caller learns its outcome.
            if (ct.IsCancellationRequested) return Task.FromCanceled<AppendResult>(ct);
            if (Volatile.Read(ref _disposed) != 0) return Task.FromException<AppendResult>(new JournalUnavailableException("The journal is closed."));
            return _commits.AppendAsync(streamId, expectedVersion, events);
        }
        catch (Exception ex)
        {
            return Task.FromException<AppendResult>(ex);
        }
    }

    /// <summary>Called by the group commit after each commit: wakes this process's listeners and announces it to the others.</summary>
    /// <param name="partitions">The partitions the commit wrote to, a bit each.</param>
    internal void Committed(int partitions)
    {
        _listeners.Notify(partitions);
        _commitListener.Publish(partitions);
    }

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

    public IDisposable OnAppended(Action appended)
    {
        ArgumentNullException.ThrowIfNull(appended);
        return _listeners.Add(appended);
    }

    public IDisposable OnPartitionsAppended(Action<int> appended)
    {
        ArgumentNullException.ThrowIfNull(appended);
        return _listeners.Add(appended);
    }

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

    // ---- subscriptions ----

    public Task<long> ReadEpochAsync(string subscription, CancellationToken ct = default) =>
        QueryAsync(PostgresSql.ReadEpoch, p => p.AddWithValue("subscription", subscription), async r =>
        {
            await r.ReadAsync(ct).ConfigureAwait(false);
            return r.GetInt64(0);
        }, ct);

    public Task<SubscriptionCheckpoint> ReadCheckpointAsync(string subscription, int queue, CancellationToken ct = default) =>
        QueryAsync(PostgresSql.ReadCheckpoint, p =>
        {
            p.AddWithValue("subscription", subscription);
            p.AddWithValue("queue", queue);
        }, async r =>
        {
            await r.ReadAsync(ct).ConfigureAwait(false);
            var epoch = r.GetInt64(0);
            return r.IsDBNull(1)
                ? new SubscriptionCheckpoint(subscription, queue, epoch, JournalPosition.Start, null, DateTimeOffset.MinValue)
                : new SubscriptionCheckpoint(subscription, queue, epoch, new JournalPosition(r.GetInt64(1), r.GetInt64(2)), NullableString(r, 3),
                    r.GetFieldValue<DateTimeOffset>(4));
        }, ct);

    public Task<IReadOnlyList<SubscriptionCheckpoint>> ReadCheckpointsAsync(string subscription, CancellationToken ct = default) =>
        QueryAsync<IReadOnlyList<SubscriptionCheckpoint>>(PostgresSql.ReadCheckpoints, p => p.AddWithValue("subscription", subscription), async r =>
        {
            var checkpoints = new List<SubscriptionCheckpoint>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                checkpoints.Add(new SubscriptionCheckpoint(subscription, r.GetInt32(0), r.GetInt64(1), new JournalPosition(r.GetInt64(2), r.GetInt64(3)),
                    NullableString(r, 4), r.GetFieldValue<DateTimeOffset>(5)));
            }
            return checkpoints;
        }, ct);

    public async Task<bool> AdvanceCheckpointAsync(SubscriptionCheckpoint checkpoint, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var attempts = 0;
        var moved = await WithRetryAsync(async () =>
        {
            attempts++;
            await using var command = _dataSource.CreateCommand(PostgresSql.AdvanceCheckpoint);
            var p = command.Parameters;
            p.AddWithValue("subscription", checkpoint.Subscription);
            p.AddWithValue("queue", checkpoint.Queue);
            p.AddWithValue("epoch", checkpoint.Epoch);
            p.AddWithValue("tx", checkpoint.Position.Tx);
            p.AddWithValue("position", checkpoint.Position.Seq);
            p.Add(new NpgsqlParameter("owner", NpgsqlDbType.Text) { Value = (object?)checkpoint.Owner ?? DBNull.Value });
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, ct).ConfigureAwait(false);
        if (moved || attempts == 1) return moved;
        // A retry found nothing to move: the attempt whose answer was lost may have moved it. If the checkpoint is now
        // exactly ours, it was.
        var stored = await ReadCheckpointAsync(checkpoint.Subscription, checkpoint.Queue, ct).ConfigureAwait(false);
        return stored.Epoch == checkpoint.Epoch && stored.Position == checkpoint.Position && stored.Owner == checkpoint.Owner;
    }

    /// <remarks>Not idempotent: a retry after a lost answer may bump the epoch twice, which still starts the subscription over.</remarks>
    public Task<long> RestartSubscriptionAsync(string subscription, CancellationToken ct = default) =>
        QueryAsync(PostgresSql.RestartSubscription, p => p.AddWithValue("subscription", subscription), async r =>
        {
            await r.ReadAsync(ct).ConfigureAwait(false);
            return r.GetInt64(0);
        }, ct);

    // ---- dead letters ----

    /// <remarks>A retry after a lost answer may count the attempts twice; everything else of the entry comes out the same.</remarks>
    public async Task ParkAsync(DeadLetter deadLetter, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        await ExecuteAsync(PostgresSql.ParkDeadLetter, p =>
        {
            p.AddWithValue("id", deadLetter.Id);
            p.AddWithValue("subscription", deadLetter.Subscription);
            p.AddWithValue("target", deadLetter.Target);
            p.AddWithValue("event_id", deadLetter.EventId);
            p.AddWithValue("stream_id", deadLetter.StreamId);
            p.AddWithValue("stream_version", deadLetter.StreamVersion);
            p.AddWithValue("tx", deadLetter.Position.Tx);
            p.AddWithValue("position", deadLetter.Position.Seq);
            p.AddWithValue("type", deadLetter.Type);
            p.AddWithValue("error", deadLetter.Error);
            p.AddWithValue("attempts", deadLetter.Attempts);
            p.AddWithValue("first_failed_at", deadLetter.FirstFailedAt.ToUniversalTime());
            p.AddWithValue("last_failed_at", deadLetter.LastFailedAt.ToUniversalTime());
        }, ct).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(CancellationToken ct = default) =>
        QueryAsync<IReadOnlyList<DeadLetter>>(PostgresSql.ReadDeadLetters, _ => { }, async r =>
        {
            var letters = new List<DeadLetter>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                letters.Add(new DeadLetter(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetGuid(3), r.GetString(4), r.GetInt64(5),
                    new JournalPosition(r.GetInt64(6), r.GetInt64(7)), r.GetString(8), r.GetString(9), r.GetInt32(10),
                    r.GetFieldValue<DateTimeOffset>(11), r.GetFieldValue<DateTimeOffset>(12)));
            }
            return letters;
        }, ct);

    /// <remarks>A retry after a lost answer finds the entry gone and answers false although this call removed it.</remarks>
    public async Task<bool> RemoveDeadLetterAsync(Guid id, CancellationToken ct = default) =>
        await ExecuteAsync(PostgresSql.RemoveDeadLetter, p => p.AddWithValue("id", id), ct).ConfigureAwait(false) == 1;

    // ---- shared keys ----

    public async Task StoreKeyAsync(string name, string value, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        await ExecuteAsync(PostgresSql.StoreKey, p =>
        {
            p.AddWithValue("name", name);
            p.AddWithValue("value", value);
        }, ct).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<(string Name, string Value)>> ReadKeysAsync(CancellationToken ct = default) =>
        QueryAsync<IReadOnlyList<(string, string)>>(PostgresSql.ReadKeys, _ => { }, async r =>
        {
            var keys = new List<(string, string)>();
            while (await r.ReadAsync(ct).ConfigureAwait(false)) keys.Add((r.GetString(0), r.GetString(1)));
            return keys;
        }, ct);

    // ---- read models ----

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

    private Task<T> QueryAsync<T>(NpgsqlDataSource source, string sql, Action<NpgsqlParameterCollection> parameters, Func<NpgsqlDataReader, Task<T>> read,
        CancellationToken ct) =>
        WithRetryAsync(async () =>
        {
            await using var command = source.CreateCommand(sql);
            parameters(command.Parameters);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await read(reader).ConfigureAwait(false);
        }, ct);

    /// <summary>
    /// Runs an idempotent operation, retrying while the database is unreachable (a restart or failover) for up to the
    /// retry window, then throws <see cref="JournalUnavailableException"/>. Always returns a task, never throws.
    /// </summary>
    internal Task<T> WithRetryAsync<T>(Func<Task<T>> operation, CancellationToken ct) =>
        WithRetryAsync(operation, _options.RetryWindow, _logger, [_dataSource, _scans], ct);

    private static async Task<T> WithRetryAsync<T>(Func<Task<T>> operation, TimeSpan window, ILogger logger, NpgsqlDataSource[] pools, CancellationToken ct)
    {
        var started = TimeProvider.System.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                return await operation().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransient(ex) && !ct.IsCancellationRequested && TimeProvider.System.GetElapsedTime(started) < window)
            {
                logger.LogWarning("PostgreSQL unreachable ({Error}); retrying in {Delay} ms", ex.Message, (int)delay.TotalMilliseconds);
                // A broken pool would hand out dead connections again: the retry opens fresh ones. (A deadlock or
                // serialization failure leaves the connections sound.)
                if (ex is not PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure })
                {
                    foreach (var pool in pools) pool.Clear();
                }
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                throw new JournalUnavailableException($"PostgreSQL is unreachable: {ex.Message}", ex);
            }
        }
    }

    /// <summary>
    /// Lost connections, a server shutting down or starting up, too many connections, and a transaction the server
    /// aborted as a deadlock victim or serialization failure (nothing of it applied): worth a retry, unlike any other answer.
    /// </summary>
    internal static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                                || pg.SqlState is "53300" or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure,
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or System.Net.Sockets.SocketException or TimeoutException,
        _ => false,
    };

    /// <summary>Stops the group commit (appends still waiting fail with <see cref="JournalUnavailableException"/>), the listener, and the pools.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _commits.DisposeAsync().ConfigureAwait(false);
        await _readRows.DisposeAsync().ConfigureAwait(false);
        await _commitListener.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        await _scans.DisposeAsync().ConfigureAwait(false);
    }
}
