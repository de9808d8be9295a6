using System.Threading.Channels;
using Ates.Journal;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Ates.Storage.Postgres;

/// <summary>
/// Group commit of appends: whatever appends are waiting go to the database together, as one statement in one
/// transaction (one WAL flush), and each append wins or loses on its own stream's expected version. A batch whose
/// outcome is unknown (the connection broke around the commit) is resolved by looking its events up by id before any
/// append is retried, so an append is never applied twice, never acknowledged unless it is on disk, and never refused
/// as a conflict when it was in fact committed.
/// </summary>
internal sealed class GroupCommit : IAsyncDisposable
{
    private readonly PostgresJournal _journal;
    private readonly PostgresJournalOptions _options;
    private readonly ILogger _logger;
    // One queue per writer, a stream always to the same one: appends to one stream are committed in the order they
    // were made, never raced by two writers (where the later one would find the stream behind and conflict).
    private readonly Channel<PendingAppend>[] _queues;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _writers;

    /// <summary>Tests only: runs after a batch committed and before anything of it is acknowledged (to lose its answer).</summary>
    internal Action? AfterCommitForTests { get; set; }

    public GroupCommit(PostgresJournal journal, PostgresJournalOptions options, ILogger logger)
    {
        _journal = journal;
        _options = options;
        _logger = logger;
        _queues = Enumerable.Range(0, Math.Max(1, options.ConcurrentCommits))
            .Select(_ => Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true }))
            .ToArray();
        _writers = _queues.Select(queue => Task.Run(() => WriteLoopAsync(queue.Reader))).ToArray();
    }

    public Task<AppendResult> AppendAsync(string streamId, long expectedVersion, IReadOnlyList<NewEvent> events)
    {
        // A copy: the caller's list must not change under a batch that is being sent.
        var append = new PendingAppend(streamId, expectedVersion, events.ToArray());
        var queue = _queues[(int)((uint)StringComparer.Ordinal.GetHashCode(streamId) % (uint)_queues.Length)];
        return queue.Writer.TryWrite(append) ? append.Done.Task : Task.FromException<AppendResult>(Closed());
    }

    private static JournalUnavailableException Closed() => new("The journal is closed.");

    private async Task WriteLoopAsync(ChannelReader<PendingAppend> queue)
    {
        var deferred = new List<PendingAppend>();
        while (deferred.Count > 0 || await queue.WaitToReadAsync().ConfigureAwait(false))
        {
            // Two appends to one stream never share a batch: the second must see the first's version.
            var batch = new List<PendingAppend>();
            var streams = new HashSet<string>(StringComparer.Ordinal);
            var events = 0;
            var carried = deferred;
            deferred = [];
            foreach (var append in carried) Take(append);
            while (events < _options.MaxEventsPerCommit && queue.TryRead(out var next)) Take(next);
            if (_stop.IsCancellationRequested)
            {
                // Closing: what has not started is refused rather than left waiting.
                foreach (var append in batch) append.Done.TrySetException(Closed());
                continue;
            }
            if (batch.Count > 0) await CommitAsync(batch).ConfigureAwait(false);

            void Take(PendingAppend append)
            {
                if (!streams.Add(append.StreamId))
                {
                    deferred.Add(append);
                    return;
                }
                batch.Add(append);
                events += append.Events.Count;
            }
        }
    }

    private async Task CommitAsync(List<PendingAppend> batch)
    {
        try
        {
            var pending = batch;
            var attempts = 0;
            await _journal.WithRetryAsync(async () =>
            {
                // After a broken commit, whatever did land is acknowledged, never written again.
                var afterBrokenCommit = attempts++ > 0;
                if (afterBrokenCommit) pending = await ResolveAsync(pending).ConfigureAwait(false);
                if (pending.Count > 0) await CommitOnceAsync(pending, afterBrokenCommit).ConfigureAwait(false);
                return true;
            }, _stop.Token).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (!PostgresJournal.IsTransient(ex) && batch.Count(a => !a.Done.Task.IsCompleted) > 1)
        {
            // The server refused the statement (an event id already in the journal, text it cannot store), so nothing
            // of it was written: commit the appends one by one, so that the faulty one fails alone.
            foreach (var append in batch.Where(a => !a.Done.Task.IsCompleted)) await CommitAsync([append]).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (!PostgresJournal.IsTransient(ex))
        {
            foreach (var append in batch) append.Done.TrySetException(Refused(ex));
        }
        catch (Exception ex)
        {
            var failure = ex switch
            {
                JournalUnavailableException unavailable => unavailable,
                OperationCanceledException => new JournalUnavailableException("The journal closed before the append was committed.", ex),
                _ => new JournalUnavailableException($"The append failed: {ex.Message}", ex),
            };
            foreach (var append in batch) append.Done.TrySetException(failure);
        }
    }

    private static Exception Refused(PostgresException ex) => ex switch
    {
        { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "ates_events_event_id" } =>
            new ArgumentException("An event with this id is in the journal already.", "events", ex),
        _ when ex.SqlState.StartsWith("22", StringComparison.Ordinal) => new ArgumentException($"PostgreSQL cannot store this append: {ex.MessageText}", "events", ex),
        _ => new JournalUnavailableException($"The append failed: {ex.MessageText}", ex),
    };

    /// <param name="afterBrokenCommit">
    /// An earlier attempt broke around its commit: that transaction may have committed only after our look-up, and a
    /// stream it moved then looks like a conflict here. Such an append is looked up again before it is refused.
    /// </param>
    private async Task CommitOnceAsync(List<PendingAppend> batch, bool afterBrokenCommit)
    {
        var won = new Dictionary<string, AppendResult>(StringComparer.Ordinal);
        // No cancellation: an append on its way is finished (or found broken), not abandoned with an unknown outcome.
        await using (var command = _journal.DataSource.CreateCommand(PostgresSql.AppendBatch))
        {
            AddParameters(command.Parameters, batch);
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                var streamId = reader.GetString(0);
                var version = reader.GetInt64(1);
                if (!won.TryGetValue(streamId, out var known) || known.NextExpectedVersion < version)
                {
                    won[streamId] = new AppendResult(version, new JournalPosition((long)reader.GetFieldValue<ulong>(3), reader.GetInt64(2)));
                }
            }
            // Leaving this block reads up to the server's ready-for-query, i.e. past the commit: only then is anything acknowledged.
        }
        AfterCommitForTests?.Invoke();

        var winners = batch.Where(a => won.ContainsKey(a.StreamId)).ToList();
        Acknowledge(winners.Select(a => (a, won[a.StreamId])).ToList());

        var lost = batch.Where(a => !won.ContainsKey(a.StreamId)).ToList();
        if (afterBrokenCommit && lost.Count > 0) lost = await ResolveAsync(lost).ConfigureAwait(false);
        if (lost.Count == 0) return;
        var actual = await ReadVersionsAsync(lost.Select(a => a.StreamId)).ConfigureAwait(false);
        foreach (var append in lost)
        {
            append.Done.TrySetException(new JournalConflictException(append.StreamId, append.ExpectedVersion, actual.GetValueOrDefault(append.StreamId)));
        }
    }

    /// <summary>Wakes the listeners (here and, by one NOTIFY, elsewhere), then lets the writers hear back.</summary>
    private void Acknowledge(List<(PendingAppend Append, AppendResult Result)> committed)
    {
        if (committed.Count == 0) return;
        // Wake before acknowledging: whoever waits on an acknowledged append's effect finds the wake-up already made.
        try
        {
            var partitions = 0;
            foreach (var (append, _) in committed) partitions |= JournalPartitions.SetOf(JournalPartitions.Of(append.StreamId));
            _journal.Committed(partitions);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "A commit wake-up failed; readers find the events when they next read");
        }
        Ates.Grains.Interfaces.AtesTelemetry.JournalBatchSize.Record(committed.Count);
        foreach (var (append, result) in committed) append.Done.TrySetResult(result);
    }

    /// <summary>Acknowledges the appends of a broken batch whose events landed; returns those still to be written.</summary>
    private async Task<List<PendingAppend>> ResolveAsync(List<PendingAppend> batch)
    {
        batch = batch.Where(a => !a.Done.Task.IsCompleted).ToList();
        if (batch.Count == 0) return batch;
        var landed = new Dictionary<Guid, (string StreamId, long StreamVersion, JournalPosition Position)>();
        await using (var command = _journal.DataSource.CreateCommand(PostgresSql.ReadLandedEvents))
        {
            // An append is all or nothing, so its last event tells whether all of it landed.
            command.Parameters.AddWithValue("event_ids", batch.Select(a => a.Events[^1].EventId).ToArray());
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                landed[reader.GetGuid(0)] = (reader.GetString(1), reader.GetInt64(2), new JournalPosition((long)reader.GetFieldValue<ulong>(4), reader.GetInt64(3)));
            }
        }
        var retry = new List<PendingAppend>();
        var acknowledged = new List<(PendingAppend, AppendResult)>();
        foreach (var append in batch)
        {
            var last = append.ExpectedVersion + append.Events.Count;
            // The id alone is not enough: another append may have used it (that one is refused on retry, as a duplicate).
            if (landed.TryGetValue(append.Events[^1].EventId, out var row) && row.StreamId == append.StreamId && row.StreamVersion == last)
                acknowledged.Add((append, new AppendResult(last, row.Position)));
            else
                retry.Add(append); // not there: retrying is safe, the expected version stops a second copy
        }
        Acknowledge(acknowledged);
        return retry;
    }

    private async Task<Dictionary<string, long>> ReadVersionsAsync(IEnumerable<string> streamIds)
    {
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = _journal.DataSource.CreateCommand(PostgresSql.ReadStreamVersions);
        command.Parameters.AddWithValue("stream_ids", streamIds.Distinct().ToArray());
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false)) versions[reader.GetString(0)] = reader.GetInt64(1);
        return versions;
    }

    /// <summary>The parameters of <see cref="PostgresSql.AppendBatch"/> for these appends (also used by tests to hold an append open).</summary>
    internal static void AddParameters(NpgsqlParameterCollection p, IReadOnlyList<PendingAppend> batch)
    {
        p.AddWithValue("req_streams", batch.Select(a => a.StreamId).ToArray());
        p.AddWithValue("req_expected", batch.Select(a => a.ExpectedVersion).ToArray());
        p.AddWithValue("req_counts", batch.Select(a => (long)a.Events.Count).ToArray());

        var count = batch.Sum(a => a.Events.Count);
        var streamIds = new string[count];
        var versions = new long[count];
        var eventIds = new Guid[count];
        var types = new string[count];
        var typeVersions = new int[count];
        var data = new byte[count][];
        var occurredAt = new DateTime[count];
        var correlation = new string?[count];
        var causation = new string?[count];
        var trace = new string?[count];
        var actor = new string?[count];
        var i = 0;
        foreach (var append in batch)
        {
            for (var k = 0; k < append.Events.Count; k++, i++)
            {
                var e = append.Events[k];
                streamIds[i] = append.StreamId;
                versions[i] = append.ExpectedVersion + k + 1;
                eventIds[i] = e.EventId;
                types[i] = e.Type;
                typeVersions[i] = e.Version;
                data[i] = e.Data;
                occurredAt[i] = e.Metadata.OccurredAt.UtcDateTime;
                correlation[i] = e.Metadata.CorrelationId;
                causation[i] = e.Metadata.CausationId;
                trace[i] = e.Metadata.TraceParent;
                actor[i] = e.Metadata.ActorUserId;
            }
        }
        p.AddWithValue("stream_ids", streamIds);
        p.AddWithValue("stream_versions", versions);
        p.AddWithValue("event_ids", eventIds);
        p.AddWithValue("types", types);
        p.AddWithValue("versions", typeVersions);
        p.Add(new NpgsqlParameter("data", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = data });
        p.Add(new NpgsqlParameter("occurred_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = occurredAt });
        p.Add(new NpgsqlParameter("correlation_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = correlation });
        p.Add(new NpgsqlParameter("causation_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = causation });
        p.Add(new NpgsqlParameter("trace_parents", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = trace });
        p.Add(new NpgsqlParameter("actor_user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = actor });
    }

    /// <summary>Refuses new appends, lets a batch under way finish (without further retries), and fails what still waits.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var queue in _queues) queue.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_writers).ConfigureAwait(false);
        _stop.Dispose();
    }

    internal sealed record PendingAppend(string StreamId, long ExpectedVersion, IReadOnlyList<NewEvent> Events)
    {
        public TaskCompletionSource<AppendResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
