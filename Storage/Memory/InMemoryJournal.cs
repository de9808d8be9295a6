using Ates.Journal;
using Ates.Storage.Journal;

namespace Ates.Storage.Memory;

/// <summary>
/// The journal in memory: for tests (several in-process silos share one instance) and for anything that needs no disk.
/// Same contract as the durable backends; one lock orders every write, so position order is commit order.
/// </summary>
public sealed class InMemoryJournal(TimeProvider? time = null) : IJournalStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Lock _sync = new();
    private readonly List<JournalEvent> _log = [];
    private readonly List<JournalEvent>[] _partitions = Enumerable.Range(0, JournalPartitions.Count).Select(_ => new List<JournalEvent>()).ToArray();
    private readonly Dictionary<string, List<JournalEvent>> _streams = new(StringComparer.Ordinal);
    private readonly HashSet<Guid> _eventIds = [];
    private readonly Dictionary<string, long> _epochs = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, int), SubscriptionCheckpoint> _checkpoints = [];
    private readonly Dictionary<Guid, DeadLetter> _deadLetters = [];
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Model, string Key), ReadRow> _rows = [];
    private readonly Dictionary<(string Model, int Partition), JournalPosition> _applied = [];
    private readonly AppendListeners _listeners = new();
    private bool _disposed;

    public string Description => "memory";

    public Task<AppendResult> AppendAsync(string streamId, long expectedVersion, IReadOnlyList<NewEvent> events, CancellationToken ct = default)
    {
        try
        {
            return Task.FromResult(Append(streamId, expectedVersion, events));
        }
        catch (Exception ex)
        {
            return Task.FromException<AppendResult>(ex);
        }
    }

    private AppendResult Append(string streamId, long expectedVersion, IReadOnlyList<NewEvent> events)
    {
        JournalArguments.CheckAppend(streamId, expectedVersion, events);
        AppendResult result;
        int partition;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var stream = _streams.GetValueOrDefault(streamId);
            var actual = stream?.Count ?? 0;
            if (actual != expectedVersion) throw new JournalConflictException(streamId, expectedVersion, actual);
            if (events.Any(e => _eventIds.Contains(e.EventId))) throw new ArgumentException("An event with this id is in the journal already.", nameof(events));
            stream ??= _streams[streamId] = [];
            partition = JournalPartitions.Of(streamId);
            foreach (var e in events)
            {
                var recorded = new JournalEvent(e.EventId, streamId, stream.Count + 1, new JournalPosition(0, _log.Count + 1), e.Type, e.Version, e.Data, e.Metadata);
                stream.Add(recorded);
                _log.Add(recorded);
                _partitions[partition].Add(recorded);
                _eventIds.Add(e.EventId);
            }
            result = new AppendResult(stream.Count, stream[^1].Position);
        }
        _listeners.Notify(JournalPartitions.SetOf(partition));
        return result;
    }

    public Task<IReadOnlyList<JournalEvent>> ReadStreamAsync(string streamId, long afterVersion, int maxCount, CancellationToken ct = default)
    {
        lock (_sync)
        {
            if (!_streams.TryGetValue(streamId, out var stream) || afterVersion >= stream.Count) return Task.FromResult<IReadOnlyList<JournalEvent>>([]);
            var from = (int)Math.Max(0, afterVersion);
            return Task.FromResult<IReadOnlyList<JournalEvent>>(stream.GetRange(from, Math.Min(maxCount, stream.Count - from)));
        }
    }

    public Task<IReadOnlyList<JournalEvent>> ReadLogAsync(JournalPosition after, int maxCount, CancellationToken ct = default)
    {
        lock (_sync)
        {
            var from = (int)Math.Clamp(after.Seq, 0, _log.Count);
            return Task.FromResult<IReadOnlyList<JournalEvent>>(_log.GetRange(from, Math.Min(maxCount, _log.Count - from)));
        }
    }

    public Task<IReadOnlyList<JournalEvent>> ReadPartitionAsync(int partition, JournalPosition after, int maxCount, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, JournalPartitions.Count);
        lock (_sync)
        {
            var events = _partitions[partition];
            int lo = 0, hi = events.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (events[mid].Position <= after) lo = mid + 1;
                else hi = mid;
            }
            return Task.FromResult<IReadOnlyList<JournalEvent>>(events.GetRange(lo, Math.Min(maxCount, events.Count - lo)));
        }
    }

    public Task<JournalPosition> ReadHeadAsync(CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult(_log.Count == 0 ? JournalPosition.Start : _log[^1].Position);
    }

    public IDisposable OnAppended(Action appended) => _listeners.Add(appended);

    public IDisposable OnPartitionsAppended(Action<int> appended) => _listeners.Add(appended);

    public Task<long> ReadEpochAsync(string subscription, CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult(_epochs.GetValueOrDefault(subscription, 1));
    }

    public Task<SubscriptionCheckpoint> ReadCheckpointAsync(string subscription, int queue, CancellationToken ct = default)
    {
        lock (_sync)
        {
            var epoch = _epochs.GetValueOrDefault(subscription, 1);
            return Task.FromResult(_checkpoints.TryGetValue((subscription, queue), out var stored) && stored.Epoch == epoch
                ? stored
                : new SubscriptionCheckpoint(subscription, queue, epoch, JournalPosition.Start, null, DateTimeOffset.MinValue));
        }
    }

    public Task<IReadOnlyList<SubscriptionCheckpoint>> ReadCheckpointsAsync(string subscription, CancellationToken ct = default)
    {
        lock (_sync)
        {
            var epoch = _epochs.GetValueOrDefault(subscription, 1);
            return Task.FromResult<IReadOnlyList<SubscriptionCheckpoint>>(_checkpoints.Values
                .Where(c => c.Subscription == subscription && c.Epoch == epoch).OrderBy(c => c.Queue).ToList());
        }
    }

    public Task<bool> AdvanceCheckpointAsync(SubscriptionCheckpoint checkpoint, CancellationToken ct = default)
    {
        lock (_sync)
        {
            var epoch = _epochs.GetValueOrDefault(checkpoint.Subscription, 1);
            if (checkpoint.Epoch != epoch) return Task.FromResult(false);
            var key = (checkpoint.Subscription, checkpoint.Queue);
            if (_checkpoints.TryGetValue(key, out var stored) && stored.Epoch == epoch && stored.Position >= checkpoint.Position) return Task.FromResult(false);
            _checkpoints[key] = checkpoint with { UpdatedAt = _time.GetUtcNow() };
            return Task.FromResult(true);
        }
    }

    public Task<long> RestartSubscriptionAsync(string subscription, CancellationToken ct = default)
    {
        lock (_sync)
        {
            var epoch = _epochs.GetValueOrDefault(subscription, 1) + 1;
            _epochs[subscription] = epoch;
            foreach (var key in _checkpoints.Keys.Where(k => k.Item1 == subscription).ToList()) _checkpoints.Remove(key);
            return Task.FromResult(epoch);
        }
    }

    public Task ParkAsync(DeadLetter deadLetter, CancellationToken ct = default)
    {
        lock (_sync)
        {
            var existing = _deadLetters.Values.FirstOrDefault(d => d.Subscription == deadLetter.Subscription && d.EventId == deadLetter.EventId);
            if (existing is not null) _deadLetters.Remove(existing.Id);
            _deadLetters[existing?.Id ?? deadLetter.Id] = existing is null
                ? deadLetter
                : deadLetter with { Id = existing.Id, FirstFailedAt = existing.FirstFailedAt, Attempts = existing.Attempts + deadLetter.Attempts };
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult<IReadOnlyList<DeadLetter>>(_deadLetters.Values.OrderBy(d => d.Position).ThenBy(d => d.Subscription, StringComparer.Ordinal).ToList());
    }

    public Task<bool> RemoveDeadLetterAsync(Guid id, CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult(_deadLetters.Remove(id));
    }

    public Task StoreKeyAsync(string name, string value, CancellationToken ct = default)
    {
        lock (_sync) _keys[name] = value;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<(string Name, string Value)>> ReadKeysAsync(CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult<IReadOnlyList<(string, string)>>(_keys.Select(k => (k.Key, k.Value)).ToList());
    }

    public Task ApplyAsync(string model, int partition, IReadOnlyList<ReadRow> rows, JournalPosition through, CancellationToken ct = default)
    {
        lock (_sync)
        {
            foreach (var row in rows)
            {
                if (!_rows.TryGetValue((model, row.Key), out var stored) || stored.Version < row.Version) _rows[(model, row.Key)] = row with { Model = model };
            }
            if (_applied.GetValueOrDefault((model, partition)) < through) _applied[(model, partition)] = through;
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<JournalPosition>> AppliedThroughAsync(string model, CancellationToken ct = default)
    {
        lock (_sync)
        {
            return Task.FromResult<IReadOnlyList<JournalPosition>>(Enumerable.Range(0, JournalPartitions.Count)
                .Select(p => _applied.GetValueOrDefault((model, p))).ToList());
        }
    }

    public Task<IReadOnlyList<ReadRow>> GetAsync(string model, IReadOnlyCollection<string> keys, CancellationToken ct = default)
    {
        lock (_sync)
        {
            return Task.FromResult<IReadOnlyList<ReadRow>>(keys.Select(k => _rows.GetValueOrDefault((model, k))).OfType<ReadRow>().ToList());
        }
    }

    public Task<IReadOnlyList<ReadRow>> QueryAsync(ReadQuery query, CancellationToken ct = default)
    {
        lock (_sync)
        {
            return Task.FromResult<IReadOnlyList<ReadRow>>(Matching(query)
                .Where(r => query.Before is null || (query.RankOf(r), r.Seq).CompareTo((query.BeforeRank ?? query.Before.Value, query.Before.Value)) < 0)
                .OrderByDescending(query.RankOf).ThenByDescending(r => r.Seq)
                .Take(query.Limit)
                .ToList());
        }
    }

    public Task<long> CountAsync(ReadQuery query, CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult((long)Matching(query).Count());
    }

    private IEnumerable<ReadRow> Matching(ReadQuery query) => _rows.Values.Where(r =>
        r.Model == query.Model && (query.Owner is null || r.Owner == query.Owner) && (query.State is null || r.State == query.State)
        && query.Words.All(w => r.Text.Contains(w, StringComparison.Ordinal)));

    public Task<IReadOnlyList<string>> KeysAsync(string model, string state, CancellationToken ct = default)
    {
        lock (_sync)
        {
            return Task.FromResult<IReadOnlyList<string>>(_rows.Values.Where(r => r.Model == model && r.State == state).Select(r => r.Key).ToList());
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_sync) _disposed = true;
        return ValueTask.CompletedTask;
    }
}
