using Ates.Journal;

namespace Ates.Storage.Journal;

/// <summary>
/// One backend of the journal (memory, SQLite, PostgreSQL): the events, and what the journal's stream provider keeps
/// beside them — a checkpoint per subscription queue, dead letters — the read models' rows, and the keys every silo must share.
/// </summary>
public interface IJournalStore : IEventJournal, IDeadLetters, ISharedKeys, IReadModelStore, IAsyncDisposable
{
    /// <summary>What the store is (for logs and the cluster view): "memory", "sqlite:/path/ates.db", "postgres:host/db".</summary>
    string Description { get; }

    /// <summary>
    /// Called after each commit (local, or announced by another silo) with the partitions it wrote to, as a set of bits
    /// (<see cref="JournalPartitions.SetOf"/>; <see cref="JournalPartitions.All"/> when unknown). A wake-up only.
    /// </summary>
    IDisposable OnPartitionsAppended(Action<int> appended);

    /// <summary>The subscription's current epoch: it grows each time the subscription is rebuilt from zero.</summary>
    Task<long> ReadEpochAsync(string subscription, CancellationToken ct = default);

    /// <summary>The queue's checkpoint; a queue that never checkpointed is at the start of the subscription's current epoch.</summary>
    Task<SubscriptionCheckpoint> ReadCheckpointAsync(string subscription, int queue, CancellationToken ct = default);

    /// <summary>Every queue's checkpoint of the subscription that was ever written in its current epoch.</summary>
    Task<IReadOnlyList<SubscriptionCheckpoint>> ReadCheckpointsAsync(string subscription, CancellationToken ct = default);

    /// <summary>
    /// Moves the queue's checkpoint forward: to <see cref="SubscriptionCheckpoint.Position"/> if that is after the stored
    /// one in the same epoch, never backwards, and not at all for an epoch that is no longer current. True if it moved.
    /// </summary>
    Task<bool> AdvanceCheckpointAsync(SubscriptionCheckpoint checkpoint, CancellationToken ct = default);

    /// <summary>Starts the subscription over from the beginning of the journal under a new epoch, which it returns.</summary>
    Task<long> RestartSubscriptionAsync(string subscription, CancellationToken ct = default);
}

/// <summary>Where a subscription's queue has delivered everything up to (inclusive), and who moved it last.</summary>
public sealed record SubscriptionCheckpoint(string Subscription, int Queue, long Epoch, JournalPosition Position, string? Owner, DateTimeOffset UpdatedAt);

/// <summary>Keys every silo must share, such as the ASP.NET data-protection key ring that protects cookies and tokens.</summary>
public interface ISharedKeys
{
    /// <summary>Adds a key; keys are never changed, only added (storing a name again replaces it).</summary>
    Task StoreKeyAsync(string name, string value, CancellationToken ct = default);

    Task<IReadOnlyList<(string Name, string Value)>> ReadKeysAsync(CancellationToken ct = default);
}
