using Ates.Journal;
using Ates.Storage.Journal;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Ates.Storage.Streams;

/// <summary>
/// Reads one partition of the journal (the queue's number is the partition's) in commit order, from the queue's
/// checkpoint, through the silo's tail of that partition, and hands each event to the Orleans streams the subscription
/// routes it to, keyed (target, partition): one queue feeds each stream, as Orleans' handshake needs (docs/design.md
/// "Streams"). Each read gives one batch per stream. The checkpoint written is the cache's account of what was
/// delivered; it only moves forward, and only for the current epoch.
/// </summary>
internal sealed class JournalQueueReceiver(
    string subscription,
    QueueId queue,
    IJournalStore store,
    JournalTail tail,
    SubscriptionRouter router,
    JournalQueueCache cache,
    JournalStreamOptions options,
    string owner,
    LocalQueues served,
    TimeProvider time,
    ILogger logger) : IQueueAdapterReceiver
{
    private IDisposable? _serving;

    private readonly int _queue = (int)queue.GetNumericId();
    // The stream of each target this queue feeds: made once per target, not per event.
    private readonly Dictionary<StreamId, StreamId> _streams = [];
    private long _epoch;
    private JournalPosition _position;
    private JournalPosition _flushed;
    // Whether this receiver has written its checkpoint since it took the queue (or the epoch changed): the first write
    // names it the owner of a queue whose partition has not moved yet (a queue never checkpointed gets its row then).
    private bool _written;
    private long _lastFlushAt;
    private long _lastEpochCheckAt;
    private Task _flushing = Task.CompletedTask;

    public Task Initialize(TimeSpan timeout) => Initialize(timeout, CancellationToken.None);

    public async Task Initialize(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var checkpoint = await store.ReadCheckpointAsync(subscription, _queue, cancellationToken);
        Start(checkpoint.Epoch, checkpoint.Position);
        tail.Attach();
        _serving = served.Serve(subscription, _queue, Lag);
        logger.LogDebug("{Subscription} queue {Queue} reads from {Position} (epoch {Epoch})", subscription, _queue, checkpoint.Position, checkpoint.Epoch);
    }

    private void Start(long epoch, JournalPosition position)
    {
        _epoch = epoch;
        _position = _flushed = position;
        _written = false;
        _lastEpochCheckAt = time.GetTimestamp();
        cache.Reset(epoch, position);
    }

    /// <summary>What of the partition this queue has not delivered yet, as far as the silo's tail knows it.</summary>
    private QueueLag Lag()
    {
        var delivered = cache.DeliveredThrough();
        return tail.Following(delivered) is { } following
            ? new QueueLag(subscription, _queue, following.Count, following.Earliest, Exact: true)
            : new QueueLag(subscription, _queue, cache.Undelivered, null, Exact: false);
    }

    public Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount) => GetQueueMessagesAsync(maxCount, CancellationToken.None);

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount, CancellationToken cancellationToken)
    {
        await CheckEpochAsync(cancellationToken);
        Flush(force: false);
        var take = Math.Max(1, Math.Min(maxCount, options.ReadBatchSize));
        var events = await tail.ReadAsync(_position, take, cancellationToken);
        if (events.Count == 0)
        {
            // Wait for a commit here rather than for the agent's next tick: lag is the commit's wake-up, not a period.
            try
            {
                await tail.WaitForNewerAsync(_position, options.ReadWait, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return []; // the agent is stopping: nothing was read, nothing is lost
            }
            events = await tail.ReadAsync(_position, take, cancellationToken);
            if (events.Count == 0)
            {
                Flush(force: false);
                return [];
            }
        }

        var groups = new Dictionary<StreamId, List<JournalEvent>>();
        var order = new List<StreamId>();
        foreach (var e in events)
        {
            var routed = router.RouteOf(e);
            if (routed.Failure is not null)
            {
                await ParkUnroutableAsync(e, routed.Failure, cancellationToken);
                continue;
            }
            foreach (var target in routed.Targets)
            {
                if (!_streams.TryGetValue(target, out var stream)) _streams[target] = stream = JournalPartitions.StreamOf(target, _queue);
                if (!groups.TryGetValue(stream, out var batch))
                {
                    groups[stream] = batch = [];
                    order.Add(stream); // streams in the order of their first event
                }
                batch.Add(e);
            }
        }
        if (_streams.Count > MaxKnownStreams) _streams.Clear();

        var batches = new List<JournalBatchContainer>(order.Count);
        foreach (var stream in order)
        {
            var batch = groups[stream];
            batches.Add(new JournalBatchContainer(stream, batch, new JournalSequenceToken(_epoch, batch[^1].Position)));
        }
        _position = events[^1].Position;
        cache.RecordRead(_position, batches);
        return [.. batches];
    }

    private const int MaxKnownStreams = 100_000;

    /// <summary>
    /// An event the route cannot read (it does not decode) is parked — once per subscription, since only the queue of
    /// its partition reads it — before the queue moves past it; an operator retries it once the cause is fixed.
    /// </summary>
    private async Task ParkUnroutableAsync(JournalEvent e, Exception failure, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await store.ParkAsync(new DeadLetter(Guid.CreateVersion7(), subscription, "", e.EventId, e.StreamId, e.StreamVersion, e.Position, e.Type,
            $"{failure.GetType().Name}: {failure.Message}", 1, now, now), ct);
        logger.LogWarning("{Subscription} parked {Type} {EventId} of {Stream}: {Error}", subscription, e.Type, e.EventId, e.StreamId, failure.Message);
    }

    private async Task CheckEpochAsync(CancellationToken ct)
    {
        if (time.GetElapsedTime(_lastEpochCheckAt) < options.EpochCheckInterval) return;
        _lastEpochCheckAt = time.GetTimestamp();
        var epoch = await store.ReadEpochAsync(subscription, ct);
        if (epoch == _epoch) return;
        logger.LogWarning("{Subscription} was rebuilt (epoch {Epoch}): queue {Queue} reads the journal again from its start", subscription, epoch, _queue);
        await _flushing;
        Start(epoch, JournalPosition.Start);
    }

    /// <summary>Writes the checkpoint when it moved and the interval passed (or now, when forced); one write at a time.</summary>
    private void Flush(bool force)
    {
        if (!_flushing.IsCompleted) return;
        var delivered = cache.DeliveredThrough();
        if (_written && delivered <= _flushed || !force && time.GetElapsedTime(_lastFlushAt) < options.CheckpointInterval) return;
        _lastFlushAt = time.GetTimestamp();
        var epoch = _epoch;
        _flushing = WriteCheckpointAsync(epoch, delivered);
    }

    private async Task WriteCheckpointAsync(long epoch, JournalPosition delivered)
    {
        try
        {
            await store.AdvanceCheckpointAsync(new SubscriptionCheckpoint(subscription, _queue, epoch, delivered, owner, time.GetUtcNow()));
            if (epoch == _epoch) (_flushed, _written) = (delivered, true);
        }
        catch (Exception ex)
        {
            // The next flush tries again; nothing is lost, the checkpoint only lags.
            logger.LogWarning(ex, "{Subscription} queue {Queue}: checkpoint {Position} not written", subscription, _queue, delivered);
        }
    }

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages) => MessagesDeliveredAsync(messages, CancellationToken.None);

    public Task MessagesDeliveredAsync(IList<IBatchContainer> messages, CancellationToken cancellationToken)
    {
        Flush(force: false);
        return Task.CompletedTask;
    }

    public Task Shutdown(TimeSpan timeout) => Shutdown(timeout, CancellationToken.None);

    /// <summary>Hands the queue back with its checkpoint written as far as delivered.</summary>
    public async Task Shutdown(TimeSpan timeout, CancellationToken cancellationToken)
    {
        tail.Detach();
        _serving?.Dispose();
        await _flushing;
        Flush(force: true);
        await _flushing;
        logger.LogDebug("{Subscription} queue {Queue} handed back at {Position}", subscription, _queue, _flushed);
    }
}
