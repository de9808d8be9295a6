using System.Threading.Channels;
using Ates.Journal;
using Ates.Storage.Journal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ates.Storage.Sqlite;

public sealed class SqliteJournalOptions
{
    /// <summary>The folder of the journal file (<c>ates.db</c>); created when missing.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Most writes one transaction (one fsync) takes together.</summary>
    public int MaxWritesPerCommit { get; init; } = 512;
}

/// <summary>
/// The embedded journal: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so an acknowledged append is on disk.
/// One writer thread owns the only write connection and group-commits whatever is queued (one transaction, one fsync per
/// batch; each write in a savepoint, so one refused append leaves the others of its batch alone). Commits are serial, so
/// position order is commit order. One silo per file: the file is locked for as long as the journal is open.
/// </summary>
public sealed class SqliteJournal : IJournalStore
{
    public const string FileName = "ates.db";

    private readonly SqliteReaders _readers;
    private readonly SqliteWriter _writer;
    private readonly FileStream _lock;
    private readonly Channel<Write> _writes = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _writerThread;
    private readonly AppendListeners _listeners = new();
    private readonly int _maxWritesPerCommit;
    private readonly ILogger _logger;
    private Exception? _fault;

    private SqliteJournal(string path, FileStream fileLock, SqliteJournalOptions options, ILogger logger)
    {
        Description = $"sqlite:{path}";
        _lock = fileLock;
        _logger = logger;
        _maxWritesPerCommit = options.MaxWritesPerCommit;
        _readers = new SqliteReaders(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        _writer = new SqliteWriter(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        _writerThread = new Thread(WriteLoop) { IsBackground = true, Name = "ates-journal-writer" };
        _writerThread.Start();
    }

    public string Description { get; }

    /// <summary>Opens (creating when missing) the journal in the folder; fails when another process has it open.</summary>
    public static SqliteJournal Open(SqliteJournalOptions options, ILogger? logger = null)
    {
        PrivateFiles.SecureDirectory(options.DataDirectory);
        var path = Path.GetFullPath(Path.Combine(options.DataDirectory, FileName));
        PrivateFiles.EnsureFile(path);
        FileStream fileLock;
        try
        {
            // FileShare.None is an exclusive lock that the OS drops when the process dies, even by SIGKILL.
            var lockOptions = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) lockOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            fileLock = new FileStream(path + ".lock", lockOptions);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"The journal {path} is open in another process: one silo per data directory (Ates:DataDirectory).", ex);
        }
        try
        {
            return new SqliteJournal(path, fileLock, options, logger ?? NullLogger.Instance);
        }
        catch
        {
            fileLock.Dispose();
            throw;
        }
    }

    // ---- writes: queued for the writer thread ----

    public Task<AppendResult> AppendAsync(string streamId, long expectedVersion, IReadOnlyList<NewEvent> events, CancellationToken ct = default)
    {
        try
        {
            JournalArguments.CheckAppend(streamId, expectedVersion, events);
        }
        catch (Exception ex)
        {
            return Task.FromException<AppendResult>(ex);
        }
        return Enqueue(new Write<AppendResult>(w => w.Append(streamId, expectedVersion, events)) { Partitions = JournalPartitions.SetOf(JournalPartitions.Of(streamId)) });
    }

    public Task<bool> AdvanceCheckpointAsync(SubscriptionCheckpoint checkpoint, CancellationToken ct = default) =>
        Enqueue(new Write<bool>(w => w.AdvanceCheckpoint(checkpoint)));

    public Task<long> RestartSubscriptionAsync(string subscription, CancellationToken ct = default) =>
        Enqueue(new Write<long>(w => w.RestartSubscription(subscription)));

    public Task ParkAsync(DeadLetter deadLetter, CancellationToken ct = default) =>
        Enqueue(new Write<bool>(w =>
        {
            w.Park(deadLetter);
            return true;
        }));

    public Task<bool> RemoveDeadLetterAsync(Guid id, CancellationToken ct = default) =>
        Enqueue(new Write<bool>(w => w.RemoveDeadLetter(id)));

    public Task StoreKeyAsync(string name, string value, CancellationToken ct = default) =>
        Enqueue(new Write<bool>(w =>
        {
            w.StoreKey(name, value);
            return true;
        }));

    private Task<T> Enqueue<T>(Write<T> write)
    {
        if (Volatile.Read(ref _fault) is { } fault) return Task.FromException<T>(Unavailable(fault));
        if (!_writes.Writer.TryWrite(write)) return Task.FromException<T>(new JournalUnavailableException("The journal is closed."));
        return write.Task;
    }

    private static JournalUnavailableException Unavailable(Exception fault) =>
        new($"The journal failed a commit and takes no more writes until the silo restarts: {fault.Message}", fault);

    private void WriteLoop()
    {
        var batch = new List<Write>(_maxWritesPerCommit);
        var reader = _writes.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < _maxWritesPerCommit && reader.TryRead(out var write)) batch.Add(write);
            if (batch.Count == 0) continue;
            if (Volatile.Read(ref _fault) is { } fault)
            {
                foreach (var write in batch) write.Fail(Unavailable(fault));
                continue;
            }
            Commit(batch);
        }
    }

    /// <summary>
    /// One transaction for the whole batch. An append refused for its version writes nothing and fails alone; any
    /// other write that throws may have written part of itself, so the transaction is rolled back and the batch run
    /// again without it (rare: a write whose data the database refuses).
    /// </summary>
    private void Commit(List<Write> batch)
    {
        var remaining = new List<Write>(batch);
        while (remaining.Count > 0)
        {
            var done = new List<Write>(remaining.Count);
            Write? culprit = null;
            Exception? culpritError = null;
            try
            {
                _writer.Begin();
                foreach (var write in remaining)
                {
                    try
                    {
                        write.Run(_writer);
                        done.Add(write);
                    }
                    catch (JournalConflictException conflict)
                    {
                        write.Fail(conflict);
                    }
                    catch (SqliteException ex) when (ex.SqliteErrorCode is not (10 or 13)) // not an I/O error or a full disk
                    {
                        (culprit, culpritError) = (write, ex);
                        break;
                    }
                    catch (Exception ex) when (ex is not SqliteException)
                    {
                        (culprit, culpritError) = (write, ex);
                        break;
                    }
                }
                if (culprit is not null)
                {
                    _writer.Rollback();
                    culprit.Fail(culpritError!);
                    remaining = remaining.Where(w => w != culprit && !w.IsDecided).ToList();
                    continue;
                }
                _writer.Commit();
                Ates.Grains.Interfaces.AtesTelemetry.JournalBatchSize.Record(done.Count);
            }
            catch (Exception ex)
            {
                // A commit that failed (an fsync, a full disk) leaves the file's state unknown to us: take no more writes.
                _logger.LogCritical(ex, "The journal failed a commit; it takes no more writes");
                Volatile.Write(ref _fault, ex);
                try
                {
                    _writer.Rollback();
                }
                catch (Exception)
                {
                    // The connection is past saving; the silo must restart.
                }
                _writer.Forget();
                foreach (var write in remaining) write.Fail(Unavailable(ex));
                return;
            }

            var partitions = 0;
            foreach (var write in done) partitions |= write.Partitions;
            // Wake before acknowledging: whoever waits on an acknowledged append's effect finds the wake-up already made.
            if (partitions != 0) _listeners.Notify(partitions);
            foreach (var write in done) write.Succeed();
            return;
        }
    }

    // ---- reads: pooled read-only connections, beside the writer (WAL) ----

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


    // ---- read models ----

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

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _writes.Writer.TryComplete();
        await Task.Run(() => _writerThread.Join()).ConfigureAwait(false);
        _writer.Dispose();
        _readers.Dispose();
        await _lock.DisposeAsync().ConfigureAwait(false);
    }

    private abstract class Write
    {
        /// <summary>The partitions an append writes to (a bit each); 0 for any other write.</summary>
        public int Partitions { get; init; }

        /// <summary>Failed already (a refused append, or the culprit of a rolled-back batch).</summary>
        public bool IsDecided { get; protected set; }

        public abstract void Run(SqliteWriter writer);
        public abstract void Succeed();
        public abstract void Fail(Exception error);
    }

    private sealed class Write<T>(Func<SqliteWriter, T> run) : Write
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _done.Task;

        public override void Run(SqliteWriter writer) => _result = run(writer);

        public override void Succeed() => _done.TrySetResult(_result!);

        public override void Fail(Exception error)
        {
            IsDecided = true;
            _done.TrySetException(error);
        }
    }
}
