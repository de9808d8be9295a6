using Ates.Journal;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Streams;

namespace Ates.Storage.Streams;

/// <summary>
/// A subscription's queues are the journal's partitions: queue N reads partition N and feeds the streams keyed
/// (target, N) (<see cref="JournalPartitions.StreamOf"/>). The queues sit on Orleans' consistent ring at the same places
/// in every subscription, so Orleans' consistent-ring balancer gives one silo a partition's queue of every subscription,
/// and that silo's one tail of the partition serves them all.
/// </summary>
public sealed class JournalPartitionQueueMapper : IConsistentRingStreamQueueMapper
{
    private readonly HashRingBasedStreamQueueMapper _ring;
    private readonly QueueId[] _queues;

    public JournalPartitionQueueMapper(string subscription)
    {
        _ring = new HashRingBasedStreamQueueMapper(new HashRingStreamQueueMapperOptions { TotalQueueCount = JournalPartitions.Count }, subscription);
        _queues = _ring.GetAllQueues().OrderBy(q => q.GetNumericId()).ToArray();
    }

    public IEnumerable<QueueId> GetAllQueues() => _queues;

    public IEnumerable<QueueId> GetQueuesForRange(IRingRange range) => _ring.GetQueuesForRange(range);

    /// <summary>The queue of the stream's partition; a stream without one (never made by a route) goes where the ring puts it.</summary>
    public QueueId GetQueueForStream(StreamId streamId) =>
        JournalPartitions.Split(streamId).Partition is { } partition ? _queues[partition] : _ring.GetQueueForStream(streamId);

    /// <summary>The partition a queue reads.</summary>
    public static int PartitionOf(QueueId queue) => (int)queue.GetNumericId();
}
