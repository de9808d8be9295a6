using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ates.Runtime.Storage.Embedded;

public sealed record EmbeddedStoreOptions
{
    /// <summary>Where the journal lives; null keeps everything in memory only.</summary>
    public string? DataDirectory { get; init; }

    public int Partitions { get; init; } = 16;

    /// <summary>fsync every group commit (an acknowledged write is on disk). Off only for throwaway benchmarks.</summary>
    public bool Fsync { get; init; } = true;
}

/// <summary>
/// The default store: everything in memory, and with a data directory every change also goes to a checksummed journal
/// that is replayed at start. Changes are applied in memory under one lock in journal order and acknowledged after the
/// group commit's fsync. An in-process reader may see a change before its fsync; that is safe because the journal is
/// a prefix: anything that reader writes lands later in the same file, so a crash can never keep the effect and lose
/// its cause. One silo process per data directory, enforced by a file lock.
/// </summary>
public sealed class EmbeddedStore : IAtesStore
{
    private const string JournalFileName = "ates.journal";
    private const string LockFileName = "ates.lock";

    private readonly Lock _sync = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
    private readonly List<RecordedEvent>[] _partitions;
    private readonly List<RecordedEvent> _log = [];
    private readonly Dictionary<(string Subscription, int Partition), LogPosition> _checkpoints = [];
    private readonly Dictionary<Guid, DeadLetter> _deadLetters = [];
    private readonly Dictionary<(GrainId Grain, string Name), ReminderEntry> _reminders = [];
    private readonly Dictionary<string, SiloEntry> _silos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (Guid Session, DateTimeOffset ExpiresAt)> _leases = new(StringComparer.Ordinal);
    private readonly List<Action<int>> _committedHandlers = [];
    private readonly Dictionary<string, string> _keys = new(StringComparer.Ordinal);
    private readonly JournalFile? _journal;
    private readonly FileStream? _directoryLock;
    private long _lastSeq;

    private EmbeddedStore(EmbeddedStoreOptions options, TimeProvider time, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Partitions, 1);
        Partitions = options.Partitions;
        _time = time;
        _partitions = Enumerable.Range(0, Partitions).Select(_ => new List<RecordedEvent>()).ToArray();
        if (options.DataDirectory is null) return;

        Directory.CreateDirectory(options.DataDirectory);
        _directoryLock = LockDirectory(options.DataDirectory);
        try
        {
            _journal = JournalFile.Open(Path.Combine(options.DataDirectory, JournalFileName), Partitions, options.Fsync, Replay, logger);
        }
        catch
        {
            _directoryLock.Dispose();
            throw;
        }
    }

    public static EmbeddedStore Open(EmbeddedStoreOptions options, TimeProvider? time = null, ILogger? logger = null) =>
        new(options, time ?? TimeProvider.System, logger ?? NullLogger.Instance);

    public int Partitions { get; }

    /// <summary>Group commits (fsyncs) the journal has made since it was opened.</summary>
    public long JournalBatches => _journal?.Batches ?? 0;

    private static FileStream LockDirectory(string directory)
    {
        var path = Path.Combine(directory, LockFileName);
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException(
                $"The data directory '{Path.GetFullPath(directory)}' is in use by another silo. The embedded store serves one silo per " +
                "data directory; stop the other silo, choose another Ates:DataDirectory, or use Ates:Storage=Postgres for several silos.", ex);
        }
    }

    // ---- events ----

    public Task<AppendResult> AppendAsync(string streamId, long expectedVersion, string partitionKey, IReadOnlyList<EventData> events, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        if (events.Count == 0) throw new ArgumentException("Nothing to append.", nameof(events));
        var partition = Partitioning.PartitionOf(partitionKey, Partitions);
        RecordedEvent[] recorded;
        Task durable;
        lock (_sync)
        {
            var current = _streams.TryGetValue(streamId, out var stream) ? stream.Events.Count : 0;
            if (expectedVersion != current) throw new VersionConflictException(streamId, expectedVersion, current);

            recorded = new RecordedEvent[events.Count];
            for (var i = 0; i < events.Count; i++)
            {
                var e = events[i];
                recorded[i] = new RecordedEvent(e.EventId, streamId, current + i + 1, new LogPosition(0, _lastSeq + i + 1), partition, e.Type, e.Version, e.Data, e.Metadata);
            }
            EnsureWritable();
            durable = Write(RecordKind.Events, w => JournalCodec.WriteEvents(w, recorded));
            PublishEvents(recorded);
        }
        return Acknowledge(durable, recorded, partition);
    }

    private async Task<AppendResult> Acknowledge(Task durable, RecordedEvent[] recorded, int partition)
    {
        await durable.ConfigureAwait(false);
        Action<int>[] handlers;
        lock (_sync) handlers = [.. _committedHandlers];
        foreach (var handler in handlers) handler(partition);
        return new AppendResult(recorded[^1].StreamVersion, recorded[^1].Position);
    }

    private void PublishEvents(RecordedEvent[] recorded)
    {
        var streamId = recorded[0].StreamId;
        if (!_streams.TryGetValue(streamId, out var stream)) _streams[streamId] = stream = new StreamState();
        stream.Events.AddRange(recorded);
        _partitions[recorded[0].Partition].AddRange(recorded);
        _log.AddRange(recorded);
        _lastSeq = recorded[^1].Position.Seq;
    }

    public Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, long afterVersion, int maxCount, CancellationToken ct = default)
    {
        lock (_sync)
        {
            if (!_streams.TryGetValue(streamId, out var stream) || afterVersion >= stream.Events.Count) return Task.FromResult<IReadOnlyList<RecordedEvent>>([]);
            var from = (int)Math.Max(0, afterVersion);
            var count = Math.Min(maxCount, stream.Events.Count - from);
            return Task.FromResult<IReadOnlyList<RecordedEvent>>(stream.Events.GetRange(from, count));
        }
    }

    public Task<RecordedEvent?> ReadEventAsync(string streamId, long streamVersion, CancellationToken ct = default)
    {
        lock (_sync)
        {
            return Task.FromResult(_streams.TryGetValue(streamId, out var stream) && streamVersion >= 1 && streamVersion <= stream.Events.Count
                ? stream.Events[(int)streamVersion - 1]
                : null);
        }
    }

    public Task<IReadOnlyList<RecordedEvent>> ReadPartitionAsync(int partition, LogPosition after, int maxCount, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partition);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(partition, Partitions);
        lock (_sync) return Task.FromResult(Page(_partitions[partition], after, maxCount));
    }

    public Task<LogPosition> ReadHeadAsync(CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult(_log.Count == 0 ? LogPosition.Start : _log[^1].Position);
    }

    public Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(LogPosition after, int maxCount, CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult(Page(_log, after, maxCount));
    }

    private static IReadOnlyList<RecordedEvent> Page(List<RecordedEvent> events, LogPosition after, int maxCount)
    {
        // Positions only grow within a list, so the first event after `after` is found by binary search.
        int lo = 0, hi = events.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (events[mid].Position <= after) lo = mid + 1;
            else hi = mid;
        }
        return lo >= events.Count ? [] : events.GetRange(lo, Math.Min(maxCount, events.Count - lo));
    }

    public Task<StreamSnapshot?> ReadSnapshotAsync(string streamId, CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult(_streams.TryGetValue(streamId, out var stream) ? stream.Snapshot : null);
    }

    public Task WriteSnapshotAsync(StreamSnapshot snapshot, CancellationToken ct = default)
    {
        lock (_sync)
        {
            EnsureWritable();
            var durable = Write(RecordKind.Snapshot, w =>
            {
                w.Write(snapshot.StreamId);
                w.Write(snapshot.Version);
                w.Write(snapshot.State.Length);
                w.Write(snapshot.State);
            });
            SetSnapshot(snapshot);
            return durable;
        }
    }

    private void SetSnapshot(StreamSnapshot snapshot)
    {
        if (!_streams.TryGetValue(snapshot.StreamId, out var stream)) _streams[snapshot.StreamId] = stream = new StreamState();
        if (stream.Snapshot is null || stream.Snapshot.Version < snapshot.Version) stream.Snapshot = snapshot;
    }

    public IDisposable OnCommitted(Action<int> partitionCommitted)
    {
        lock (_sync) _committedHandlers.Add(partitionCommitted);
        return new Unsubscriber(this, partitionCommitted);
    }

    private sealed class Unsubscriber(EmbeddedStore store, Action<int> handler) : IDisposable
    {
        public void Dispose()
        {
            lock (store._sync) store._committedHandlers.Remove(handler);
        }
    }

    // ---- subscriptions ----

    public Task<LogPosition> ReadCheckpointAsync(string subscription, int partition, CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult(_checkpoints.GetValueOrDefault((subscription, partition), LogPosition.Start));
    }

    public async Task<bool> TryMoveCheckpointAsync(string subscription, int partition, LogPosition expected, LogPosition next, LeaseFence? fence = null, CancellationToken ct = default)
    {
        Task durable;
        lock (_sync)
        {
            if (_checkpoints.GetValueOrDefault((subscription, partition), LogPosition.Start) != expected) return false;
            if (fence is not null && !fence.Session.IsHeld(fence.Lease)) return false;
            EnsureWritable();
            durable = Write(RecordKind.Checkpoint, w =>
            {
                w.Write(subscription);
                w.Write(partition);
                w.Write(next.Tx);
                w.Write(next.Seq);
            });
            _checkpoints[(subscription, partition)] = next;
        }
        await durable.ConfigureAwait(false);
        return true;
    }

    public Task ResetCheckpointsAsync(string subscription, CancellationToken ct = default)
    {
        lock (_sync)
        {
            EnsureWritable();
            var durable = Write(RecordKind.CheckpointsReset, w => w.Write(subscription));
            ResetCheckpoints(subscription);
            return durable;
        }
    }

    private void ResetCheckpoints(string subscription)
    {
        for (var p = 0; p < Partitions; p++) _checkpoints.Remove((subscription, p));
    }

    public Task ParkAsync(DeadLetter deadLetter, CancellationToken ct = default)
    {
        lock (_sync)
        {
            EnsureWritable();
            var durable = Write(RecordKind.DeadLetterParked, w => JournalCodec.WriteDeadLetter(w, deadLetter));
            Park(deadLetter);
            return durable;
        }
    }

    private void Park(DeadLetter deadLetter)
    {
        var earlier = _deadLetters.Values.FirstOrDefault(d => d.Subscription == deadLetter.Subscription && d.EventId == deadLetter.EventId);
        if (earlier is not null && earlier.Id != deadLetter.Id) _deadLetters.Remove(earlier.Id);
        _deadLetters[deadLetter.Id] = deadLetter;
    }

    public Task<IReadOnlyList<DeadLetter>> ReadDeadLettersAsync(CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult<IReadOnlyList<DeadLetter>>(_deadLetters.Values.OrderBy(d => d.FirstFailedAt).ThenBy(d => d.Position).ToList());
    }

    public async Task<bool> RemoveDeadLetterAsync(Guid id, CancellationToken ct = default)
    {
        Task durable;
        lock (_sync)
        {
            if (!_deadLetters.ContainsKey(id)) return false;
            EnsureWritable();
            _deadLetters.Remove(id);
            durable = Write(RecordKind.DeadLetterRemoved, w => w.Write(id.ToByteArray()));
        }
        await durable.ConfigureAwait(false);
        return true;
    }

    // ---- reminders ----

    public Task UpsertReminderAsync(ReminderEntry entry, CancellationToken ct = default)
    {
        lock (_sync)
        {
            EnsureWritable();
            var durable = Write(RecordKind.ReminderSet, w => JournalCodec.WriteReminder(w, entry));
            _reminders[(entry.Grain, entry.Name)] = entry;
            return durable;
        }
    }

    public async Task<bool> TryUpdateReminderAsync(ReminderEntry entry, Guid expectedETag, CancellationToken ct = default)
    {
        Task durable;
        lock (_sync)
        {
            if (!_reminders.TryGetValue((entry.Grain, entry.Name), out var current) || current.ETag != expectedETag) return false;
            EnsureWritable();
            durable = Write(RecordKind.ReminderSet, w => JournalCodec.WriteReminder(w, entry));
            _reminders[(entry.Grain, entry.Name)] = entry;
        }
        await durable.ConfigureAwait(false);
        return true;
    }

    public async Task<bool> RemoveReminderAsync(GrainId grain, string name, Guid? expectedETag = null, CancellationToken ct = default)
    {
        Task durable;
        lock (_sync)
        {
            if (!_reminders.TryGetValue((grain, name), out var current) || (expectedETag is { } etag && current.ETag != etag)) return false;
            EnsureWritable();
            _reminders.Remove((grain, name));
            durable = Write(RecordKind.ReminderRemoved, w =>
            {
                w.Write(grain.Type);
                w.Write(grain.Key);
                w.Write(name);
            });
        }
        await durable.ConfigureAwait(false);
        return true;
    }

    public Task<IReadOnlyList<ReminderEntry>> ReadRemindersAsync(int partition, CancellationToken ct = default)
    {
        lock (_sync)
        {
            return Task.FromResult<IReadOnlyList<ReminderEntry>>(
                _reminders.Values.Where(r => Partitioning.PartitionOf(r.Grain.ToString(), Partitions) == partition).ToList());
        }
    }

    public Task<IReadOnlyList<ReminderEntry>> ReadRemindersAsync(GrainId grain, CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult<IReadOnlyList<ReminderEntry>>(_reminders.Values.Where(r => r.Grain == grain).ToList());
    }

    // ---- shared keys ----

    public Task StoreKeyAsync(string name, string value, CancellationToken ct = default)
    {
        lock (_sync)
        {
            EnsureWritable();
            var durable = Write(RecordKind.KeyStored, w =>
            {
                w.Write(name);
                w.Write(value);
            });
            _keys[name] = value;
            return durable;
        }
    }

    public Task<IReadOnlyList<(string Name, string Value)>> ReadKeysAsync(CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult<IReadOnlyList<(string, string)>>(_keys.Select(k => (k.Key, k.Value)).ToList());
    }

    // ---- membership and leases (process-local: they describe live silos, so nothing of them is journaled) ----

    public Task UpsertSiloAsync(SiloEntry entry, CancellationToken ct = default)
    {
        lock (_sync) _silos[entry.SiloId] = entry;
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SiloEntry>> ReadSilosAsync(CancellationToken ct = default)
    {
        lock (_sync) return Task.FromResult<IReadOnlyList<SiloEntry>>(_silos.Values.ToList());
    }

    public Task<ILeaseSession> OpenLeaseSessionAsync(string siloId, TimeSpan ttl, CancellationToken ct = default) =>
        Task.FromResult<ILeaseSession>(new LeaseSession(this, ttl));

    private sealed class LeaseSession(EmbeddedStore store, TimeSpan ttl) : ILeaseSession
    {
        private readonly Guid _id = Guid.NewGuid();
        private readonly HashSet<string> _held = new(StringComparer.Ordinal);
        private bool _abandoned;

        public Task<bool> TryAcquireAsync(string lease, CancellationToken ct = default)
        {
            lock (store._sync)
            {
                if (_abandoned) return Task.FromResult(false);
                var now = store._time.GetUtcNow();
                if (store._leases.TryGetValue(lease, out var current) && current.Session != _id && current.ExpiresAt > now) return Task.FromResult(false);
                store._leases[lease] = (_id, now + ttl);
                _held.Add(lease);
                return Task.FromResult(true);
            }
        }

        public Task ReleaseAsync(string lease, CancellationToken ct = default)
        {
            lock (store._sync)
            {
                if (store._leases.TryGetValue(lease, out var current) && current.Session == _id) store._leases.Remove(lease);
                _held.Remove(lease);
            }
            return Task.CompletedTask;
        }

        public Task<IReadOnlySet<string>> RenewAsync(CancellationToken ct = default)
        {
            lock (store._sync)
            {
                var now = store._time.GetUtcNow();
                foreach (var lease in _held.ToList())
                {
                    if (!_abandoned && store._leases.TryGetValue(lease, out var current) && current.Session == _id && current.ExpiresAt > now)
                        store._leases[lease] = (_id, now + ttl);
                    else
                        _held.Remove(lease);
                }
                return Task.FromResult<IReadOnlySet<string>>(_held.ToHashSet(StringComparer.Ordinal));
            }
        }

        public bool IsHeld(string lease)
        {
            lock (store._sync)
            {
                return !_abandoned && store._leases.TryGetValue(lease, out var current) && current.Session == _id && current.ExpiresAt > store._time.GetUtcNow();
            }
        }

        public void Abandon()
        {
            lock (store._sync) _abandoned = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (_abandoned) return;
            foreach (var lease in _held.ToList()) await ReleaseAsync(lease).ConfigureAwait(false);
        }
    }

    // ---- journal ----

    /// <summary>Queues a record in the journal (call under the lock, so journal order is apply order).</summary>
    private Task Write(RecordKind kind, Action<BinaryWriter> body) =>
        _journal is null ? Task.CompletedTask : _journal.AppendAsync(JournalCodec.Encode(kind, body));

    /// <summary>Call under the lock before changing anything: after a failed write the memory must not run ahead of the disk.</summary>
    private void EnsureWritable()
    {
        if (_journal is { IsFaulted: true }) throw new StoreUnavailableException("The journal failed a write; this store takes no more changes. Restart the silo.");
    }

    private void Replay(ReadOnlyMemory<byte> payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload.ToArray(), writable: false));
        switch ((RecordKind)reader.ReadByte())
        {
            case RecordKind.Events:
                PublishEvents(JournalCodec.ReadEvents(reader));
                break;
            case RecordKind.Snapshot:
                SetSnapshot(new StreamSnapshot(reader.ReadString(), reader.ReadInt64(), reader.ReadBytes(reader.ReadInt32())));
                break;
            case RecordKind.Checkpoint:
                _checkpoints[(reader.ReadString(), reader.ReadInt32())] = new LogPosition(reader.ReadInt64(), reader.ReadInt64());
                break;
            case RecordKind.CheckpointsReset:
                ResetCheckpoints(reader.ReadString());
                break;
            case RecordKind.DeadLetterParked:
                Park(JournalCodec.ReadDeadLetter(reader));
                break;
            case RecordKind.DeadLetterRemoved:
                _deadLetters.Remove(new Guid(reader.ReadBytes(16)));
                break;
            case RecordKind.ReminderSet:
                var entry = JournalCodec.ReadReminder(reader);
                _reminders[(entry.Grain, entry.Name)] = entry;
                break;
            case RecordKind.KeyStored:
                _keys[reader.ReadString()] = reader.ReadString();
                break;
            case RecordKind.ReminderRemoved:
                _reminders.Remove((new GrainId(reader.ReadString(), reader.ReadString()), reader.ReadString()));
                break;
            default:
                throw new InvalidDataException("Unknown journal record kind.");
        }
    }

    public ValueTask DisposeAsync()
    {
        _journal?.Dispose();
        _directoryLock?.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed class StreamState
    {
        public readonly List<RecordedEvent> Events = [];
        public StreamSnapshot? Snapshot;
    }
}
