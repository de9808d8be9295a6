using Ates.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ates.Storage.Journal;

/// <summary>
/// An event as a silo's partition tail holds it, decoded at most once however many subscriptions read it
/// (DESIGN.md: one tail scan and one decode per event per silo).
/// </summary>
public sealed class TailEvent(JournalEvent e)
{
    private object? _decoded;
    private Exception? _failure;

    public JournalEvent Event { get; } = e;

    /// <summary>The event's data as its contract type; throws what decoding threw, every time.</summary>
    public object Decoded(IEventSerializer serializer)
    {
        if (_decoded is { } decoded) return decoded;
        if (_failure is { } failure) throw failure;
        try
        {
            // Two readers may decode at once: both get equal objects and one is kept, which is harmless.
            return _decoded = serializer.Deserialize(Event);
        }
        catch (Exception ex)
        {
            _failure = ex;
            throw;
        }
    }
}

/// <summary>
/// The newest events of each journal partition this silo reads, kept in memory: every subscription queue of a partition
/// (one per subscription, all on the silo that owns the partition's queues) reads through the same tail, so a commit is
/// read from the backend once per partition, by one silo (DESIGN.md "Each event is read once across the cluster").
/// A tail starts at the first reader's position and only reads once someone reads it.
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
