using System.Collections.Concurrent;

namespace Ates.Storage.Streams;

/// <summary>How far one queue this silo serves is behind its partition, from memory.</summary>
/// <param name="Pending">Events read or readable but not delivered yet (at least this many when <paramref name="Exact"/> is false).</param>
/// <param name="Earliest">When the first of them occurred (null when none is pending, or the queue is behind its silo's tail).</param>
public sealed record QueueLag(string Subscription, int Queue, long Pending, DateTimeOffset? Earliest, bool Exact);

/// <summary>
/// The subscription queues this silo serves now (Orleans' balancer gives each to one silo), so that metrics read their
/// lag from the silo's tails instead of reading the journal: each silo reports the partitions it serves.
/// </summary>
public sealed class LocalQueues
{
    private readonly ConcurrentDictionary<(string Subscription, int Queue), Func<QueueLag>> _queues = new();

    internal IDisposable Serve(string subscription, int queue, Func<QueueLag> lag)
    {
        _queues[(subscription, queue)] = lag;
        return new Served(this, (subscription, queue), lag);
    }

    /// <summary>The lag of every queue this silo serves now.</summary>
    public IReadOnlyList<QueueLag> Lags() => _queues.Values.Select(lag => lag()).ToList();

    private sealed class Served(LocalQueues owner, (string, int) key, Func<QueueLag> lag) : IDisposable
    {
        public void Dispose() => ((ICollection<KeyValuePair<(string, int), Func<QueueLag>>>)owner._queues).Remove(new(key, lag));
    }
}
