using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Ates.Runtime.Storage.Postgres;

/// <summary>
/// Group commit of appends: whatever appends are waiting go to the database together, as one statement in one
/// transaction (one WAL flush), and each append wins or loses on its own stream's expected version. A batch whose
/// outcome is unknown (the connection broke around the commit) is resolved by reading back its events before any
/// append is retried, so an append is never applied twice and never acknowledged unless it is on disk.
/// </summary>
internal sealed class GroupCommit : IAsyncDisposable
{
    private readonly PostgresStore _store;
    private readonly PostgresStoreOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<PendingAppend> _queue = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Task[] _writers;

    public GroupCommit(PostgresStore store, PostgresStoreOptions options, ILogger logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
        _writers = Enumerable.Range(0, Math.Max(1, options.ConcurrentCommits)).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
    }

    public Task<AppendResult> AppendAsync(string streamId, long expectedVersion, int partition, IReadOnlyList<EventData> events)
    {
        var append = new PendingAppend(streamId, expectedVersion, partition, events);
        if (!_queue.Writer.TryWrite(append)) throw new StoreUnavailableException("The store is closed.");
        return append.Done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var deferred = new List<PendingAppend>();
        while (deferred.Count > 0 || await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Two appends to one stream never share a batch: the second must see the first's version.
            var batch = new List<PendingAppend>();
            var streams = new HashSet<string>(StringComparer.Ordinal);
            var events = 0;
            var carried = deferred;
            deferred = [];
            foreach (var append in carried) Take(append);
            while (events < _options.MaxEventsPerCommit && _queue.Reader.TryRead(out var next)) Take(next);
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
            await _store.WithRetryAsync(async () =>
            {
                // After a broken commit, whatever did land is acknowledged, never written again.
                var afterBrokenCommit = attempts++ > 0;
                if (afterBrokenCommit) pending = await ResolveAsync(pending).ConfigureAwait(false);
                if (pending.Count > 0) await CommitOnceAsync(pending, afterBrokenCommit).ConfigureAwait(false);
                return true;
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var failure = ex as StoreUnavailableException ?? new StoreUnavailableException($"The append failed: {ex.Message}", ex);
            foreach (var append in batch) append.Done.TrySetException(failure);
        }
    }

    /// <param name="afterBrokenCommit">
    /// An earlier attempt broke around its commit: that transaction may have committed only after our read-back, and
    /// a stream it moved then looks like a conflict here. Such an append is looked up again before it is refused.
    /// </param>
    private async Task CommitOnceAsync(List<PendingAppend> batch, bool afterBrokenCommit)
    {
        var won = new Dictionary<string, AppendResult>(StringComparer.Ordinal);
        await using (var command = _store.DataSource.CreateCommand(PostgresSql.AppendBatch))
        {
            AddParameters(command.Parameters, batch);
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                // Rows come back in request order, so the last row of a stream is its append's last event.
                won[reader.GetString(0)] = new AppendResult(reader.GetInt64(1), new LogPosition((long)reader.GetFieldValue<ulong>(3), reader.GetInt64(2)));
            }
        }

        var lost = batch.Where(a => !won.ContainsKey(a.StreamId)).ToList();
        if (afterBrokenCommit && lost.Count > 0)
        {
            lost = await ResolveAsync(lost).ConfigureAwait(false); // those it acknowledges are done; the rest are refused below
        }
        var actual = lost.Count == 0 ? [] : await ReadVersionsAsync(lost.Select(a => a.StreamId)).ConfigureAwait(false);
        // Wake the subscriptions before the writers hear back: whoever waits on an acknowledged append's effect is already counted.
        var partitions = batch.Where(a => won.ContainsKey(a.StreamId)).Select(a => a.Partition).ToHashSet();
        if (partitions.Count > 0) Notify(partitions);
        foreach (var append in batch)
        {
            if (won.TryGetValue(append.StreamId, out var result)) append.Done.TrySetResult(result);
            else append.Done.TrySetException(new VersionConflictException(append.StreamId, append.ExpectedVersion, actual.GetValueOrDefault(append.StreamId)));
        }
    }

    private void Notify(HashSet<int> partitions)
    {
        try
        {
            _store.Committed(partitions);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "A commit wake-up failed; subscriptions will find the events at their next poll");
        }
    }

    /// <summary>Acknowledges the appends of a broken batch whose events are in the log; returns those that are not.</summary>
    private async Task<List<PendingAppend>> ResolveAsync(List<PendingAppend> batch)
    {
        var landed = new Dictionary<(string, long), (Guid EventId, LogPosition Position)>();
        await using (var command = _store.DataSource.CreateCommand(PostgresSql.ReadLastEventsOfAppends))
        {
            command.Parameters.AddWithValue("ids", batch.Select(a => a.StreamId).ToArray());
            command.Parameters.AddWithValue("versions", batch.Select(a => a.ExpectedVersion + a.Events.Count).ToArray());
            await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                landed[(reader.GetString(0), reader.GetInt64(1))] = (reader.GetGuid(2), new LogPosition((long)reader.GetFieldValue<ulong>(4), reader.GetInt64(3)));
            }
        }
        var retry = new List<PendingAppend>();
        var acknowledged = new List<(PendingAppend Append, AppendResult Result)>();
        foreach (var append in batch)
        {
            var last = append.ExpectedVersion + append.Events.Count;
            if (landed.TryGetValue((append.StreamId, last), out var row) && row.EventId == append.Events[^1].EventId)
                acknowledged.Add((append, new AppendResult(last, row.Position)));
            else
                retry.Add(append); // not there (retry: the version check makes that safe), or another writer's is (a conflict, on retry)
        }
        if (acknowledged.Count > 0) Notify(acknowledged.Select(a => a.Append.Partition).ToHashSet());
        foreach (var (append, result) in acknowledged) append.Done.TrySetResult(result);
        return retry;
    }

    private async Task<Dictionary<string, long>> ReadVersionsAsync(IEnumerable<string> streamIds)
    {
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = _store.DataSource.CreateCommand(PostgresSql.ReadStreamVersions);
        command.Parameters.AddWithValue("stream_ids", streamIds.Distinct().ToArray());
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false)) versions[reader.GetString(0)] = reader.GetInt64(1);
        return versions;
    }

    private static void AddParameters(NpgsqlParameterCollection p, List<PendingAppend> batch)
    {
        p.AddWithValue("req_streams", batch.Select(a => a.StreamId).ToArray());
        p.AddWithValue("req_expected", batch.Select(a => a.ExpectedVersion).ToArray());
        p.AddWithValue("req_counts", batch.Select(a => (long)a.Events.Count).ToArray());

        var count = batch.Sum(a => a.Events.Count);
        var streamIds = new string[count];
        var versions = new long[count];
        var partitions = new int[count];
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
                partitions[i] = append.Partition;
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
        p.AddWithValue("partitions", partitions);
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

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers).ConfigureAwait(false);
    }

    private sealed record PendingAppend(string StreamId, long ExpectedVersion, int Partition, IReadOnlyList<EventData> Events)
    {
        public TaskCompletionSource<AppendResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
