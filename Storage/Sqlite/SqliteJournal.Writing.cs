using Ates.Journal;
using Ates.Storage.Journal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Ates.Storage.Sqlite;

// Writes: queued for the one writer thread, which group-commits them (one transaction, one fsync per batch).
public sealed partial class SqliteJournal
{
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
