using Ates.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ates.Storage.Journal;

/// <summary>
/// The newest events of each journal partition this silo reads, kept in memory: every subscription queue of a partition
/// (one per subscription, all on the silo that owns the partition's queues) reads through the same tail, so a commit is
/// read from the backend once per partition, by one silo (docs/design.md "Each event is read once across the cluster"), and
/// decoded once (the event serializer keeps each event object's decoded form beside it, so every subscription's route
/// and every consumer get the same). A tail starts at the first reader's position and only reads once someone reads it.
/// </summary>
public sealed class PartitionTails(IJournalStore store, ILogger<PartitionTails>? logger = null) : IAsyncDisposable
{
    private readonly JournalTail?[] _tails = new JournalTail?[JournalPartitions.Count];
    private readonly Lock _sync = new();

    /// <summary>Events a partition keeps in memory; readers further behind read the backend.</summary>
    public int Capacity { get; init; } = 8192;

    public JournalTail this[int partition]
    {
        get
        {
            if (Volatile.Read(ref _tails[partition]) is { } tail) return tail;
            lock (_sync) return _tails[partition] ??= JournalTail.OfPartition(store, partition, Capacity, (ILogger?)logger ?? NullLogger.Instance);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var tail in _tails)
        {
            if (tail is not null) await tail.DisposeAsync().ConfigureAwait(false);
        }
    }
}
