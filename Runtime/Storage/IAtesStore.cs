namespace Ates.Runtime;

/// <summary>The global event log: per-stream optimistic appends, reads by stream and by partition.</summary>
public interface IEventStore
{
    int Partitions { get; }

    /// <summary>
    /// Appends to a stream whose current version must equal <paramref name="expectedVersion"/> (0 for a new stream),
    /// else throws <see cref="VersionConflictException"/>. Returns once the events are durable.
    /// </summary>
    Task<AppendResult> AppendAsync(string streamId, long expectedVersion, string partitionKey, IReadOnlyList<EventData> events, CancellationToken ct = default);

    Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, long afterVersion, int maxCount, CancellationToken ct = default);

    Task<RecordedEvent?> ReadEventAsync(string streamId, long streamVersion, CancellationToken ct = default);

    /// <summary>Events of one partition strictly after <paramref name="after"/>, in log order, never skipping one that commits later.</summary>
    Task<IReadOnlyList<RecordedEvent>> ReadPartitionAsync(int partition, LogPosition after, int maxCount, CancellationToken ct = default);

    /// <summary>The position of the newest event readers can see now (the start of the log when it is empty).</summary>
    Task<LogPosition> ReadHeadAsync(CancellationToken ct = default);

    /// <summary>Events of every partition strictly after <paramref name="after"/>, in log order.</summary>
    Task<IReadOnlyList<RecordedEvent>> ReadAllAsync(LogPosition after, int maxCount, CancellationToken ct = default);

    Task<StreamSnapshot?> ReadSnapshotAsync(string streamId, CancellationToken ct = default);

    Task WriteSnapshotAsync(StreamSnapshot snapshot, CancellationToken ct = default);

    /// <summary>
    /// What an activation loads: the newest snapshot and up to <paramref name="maxCount"/> events after it, read
    /// together (one round trip where the store is remote, and never a snapshot newer than the events read after it).
    /// </summary>
    async Task<(StreamSnapshot? Snapshot, IReadOnlyList<RecordedEvent> Events)> ReadSnapshotAndStreamAsync(string streamId, int maxCount, CancellationToken ct = default)
    {
        var snapshot = await ReadSnapshotAsync(streamId, ct).ConfigureAwait(false);
        return (snapshot, await ReadStreamAsync(streamId, snapshot?.Version ?? 0, maxCount, ct).ConfigureAwait(false));
    }

    /// <summary>
    /// What a subscription pump reads after a wake-up: the same events as <see cref="ReadPartitionAsync"/>, possibly
    /// answered from a silo-wide copy of the log's newest part that covers every commit announced (through
    /// <see cref="OnCommitted"/>) before the call. It may end earlier than the log does; the pump is woken again.
    /// </summary>
    Task<IReadOnlyList<RecordedEvent>> ReadPartitionTailAsync(int partition, LogPosition after, int maxCount, CancellationToken ct = default) =>
        ReadPartitionAsync(partition, after, maxCount, ct);

    /// <summary>Called once per committed batch for each partition it touched, after commit. Wake-ups only: readers must still read.</summary>
    IDisposable OnCommitted(Action<int> partitionCommitted);
}

/// <summary>Per-partition subscription checkpoints, fenced on the old value, and parked (dead-letter) events.</summary>
public interface ISubscriptionStore
{
    Task<LogPosition> ReadCheckpointAsync(string subscription, int partition, CancellationToken ct = default);

    /// <summary>
    /// Moves a checkpoint only if it still is <paramref name="expected"/> and, with a <paramref name="fence"/>, only while
    /// that lease is still held in the store: a silo that lost its lease cannot move it, even when nobody else has yet.
    /// </summary>
    Task<bool> TryMoveCheckpointAsync(string subscription, int partition, LogPosition expected, LogPosition next, LeaseFence? fence = null, CancellationToken ct = default);

    /// <summary>Sets every partition's checkpoint of the subscription back to the start of the log.</summary>
    Task ResetCheckpointsAsync(string subscription, CancellationToken ct = default);

    /// <summary>Parks an event; parking the same event for the same subscription again replaces the earlier entry.</summary>
    Task ParkAsync(DeadLetter deadLetter, CancellationToken ct = default);

    Task<IReadOnlyList<DeadLetter>> ReadDeadLettersAsync(CancellationToken ct = default);

    Task<bool> RemoveDeadLetterAsync(Guid id, CancellationToken ct = default);
}

/// <summary>Durable reminders, partitioned by grain id.</summary>
public interface IReminderTable
{
    Task UpsertReminderAsync(ReminderEntry entry, CancellationToken ct = default);

    /// <summary>Replaces the entry only if its ETag still is <paramref name="expectedETag"/>.</summary>
    Task<bool> TryUpdateReminderAsync(ReminderEntry entry, Guid expectedETag, CancellationToken ct = default);

    /// <summary>Removes the entry; with <paramref name="expectedETag"/>, only if it was not changed since.</summary>
    Task<bool> RemoveReminderAsync(GrainId grain, string name, Guid? expectedETag = null, CancellationToken ct = default);

    Task<IReadOnlyList<ReminderEntry>> ReadRemindersAsync(int partition, CancellationToken ct = default);

    Task<IReadOnlyList<ReminderEntry>> ReadRemindersAsync(GrainId grain, CancellationToken ct = default);
}

/// <summary>Which silos exist and when each last said it was alive.</summary>
public interface IMembershipTable
{
    Task UpsertSiloAsync(SiloEntry entry, CancellationToken ct = default);

    Task<IReadOnlyList<SiloEntry>> ReadSilosAsync(CancellationToken ct = default);
}

/// <summary>Exclusive named leases held by a silo's session; a session that stops renewing loses them.</summary>
public interface ILeaseProvider
{
    Task<ILeaseSession> OpenLeaseSessionAsync(string siloId, TimeSpan ttl, CancellationToken ct = default);
}

/// <summary>The lease a checkpoint move is made under: the store refuses the move once the session no longer holds it.</summary>
public sealed record LeaseFence(ILeaseSession Session, string Lease);

public interface ILeaseSession : IAsyncDisposable
{
    Task<bool> TryAcquireAsync(string lease, CancellationToken ct = default);

    Task ReleaseAsync(string lease, CancellationToken ct = default);

    /// <summary>Keeps every held lease alive; returns the ones this session still holds.</summary>
    Task<IReadOnlySet<string>> RenewAsync(CancellationToken ct = default);

    bool IsHeld(string lease);

    /// <summary>Stops renewing without releasing anything: what a crashed process leaves behind.</summary>
    void Abandon();
}

/// <summary>Keys every silo must share, such as the ASP.NET data-protection key ring that protects cookies and tokens.</summary>
public interface ISharedKeyStore
{
    /// <summary>Adds a key (keys are never changed, only added; a second store under the same name replaces it).</summary>
    Task StoreKeyAsync(string name, string value, CancellationToken ct = default);

    Task<IReadOnlyList<(string Name, string Value)>> ReadKeysAsync(CancellationToken ct = default);
}

/// <summary>Everything the runtime keeps, in one provider (Embedded or Postgres).</summary>
public interface IAtesStore : IEventStore, ISubscriptionStore, IReminderTable, IMembershipTable, ILeaseProvider, ISharedKeyStore, IAsyncDisposable;
