using Ates.Journal;
using Ates.Storage.Journal;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Ates.Storage.Streams;

/// <summary>
/// Reads the whole journal in commit order, from the queue's checkpoint, through the silo's tail, and keeps what the
/// subscription routes to streams of this queue (DESIGN.md "one queue per stream": the queue of a delivered event is
/// the queue mapper's choice for its target stream). Each read gives one batch per target stream. The checkpoint
/// written is the cache's account of what was delivered; it only moves forward, and only for the current epoch.
/// </summary>
internal sealed class JournalQueueReceiver(
    string subscription,
    QueueId queue,
    IStreamQueueMapper mapper,
    IJournalStore store,
    JournalTail tail,
    SubscriptionRouter router,
    JournalQueueCache cache,
    JournalStreamOptions options,
    string owner,
    TimeProvider time,
    ILogger logger) : IQueueAdapterReceiver
{
    private readonly int _queue = (int)queue.GetNumericId();
    private long _epoch;
    private JournalPosition _position;
    private JournalPosition _flushed;
    private long _lastFlushAt;
    private long _lastEpochCheckAt;
    private Task _flushing = Task.CompletedTask;

    public Task Initialize(TimeSpan timeout) => Initialize(timeout, CancellationToken.None);

    public async Task Initialize(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var checkpoint = await store.ReadCheckpointAsync(subscription, _queue, cancellationToken);
        Start(checkpoint.Epoch, checkpoint.Position);
        logger.LogDebug("{Subscription} queue {Queue} reads from {Position} (epoch {Epoch})", subscription, _queue, checkpoint.Position, checkpoint.Epoch);
    }

    private void Start(long epoch, JournalPosition position)
    {
        _epoch = epoch;
        _position = _flushed = position;
        _lastEpochCheckAt = time.GetTimestamp();
        cache.Reset(epoch, position);
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
        foreach (var e in events)
        {
            var routed = router.RouteOf(e);
            if (routed.Failure is not null)
            {
                await ParkUnroutableAsync(e, routed.Failure, cancellationToken);
                continue;
            }
            foreach (var target in routed.Targets) // an array: no enumerator allocated per event and queue
            {
                if (!mapper.GetQueueForStream(target).Equals(queue)) continue;
                if (!groups.TryGetValue(target, out var batch)) groups[target] = batch = [];
                batch.Add(e);
            }
        }

        var batches = groups
            .Select(g => new JournalBatchContainer(g.Key, g.Value, new JournalSequenceToken(_epoch, g.Value[^1].Position)))
            .OrderBy(b => b.Events[0].Position)
            .ToList();
        _position = events[^1].Position;
        cache.RecordRead(_position, batches);
        return [.. batches];
    }

    /// <summary>
    /// An event the route cannot read (it does not decode) is parked once per subscription — by the queue that the
    /// mapper gives its id — before the queue moves past it; an operator retries it once the cause is fixed.
    /// </summary>
    private async Task ParkUnroutableAsync(JournalEvent e, Exception failure, CancellationToken ct)
    {
        if (!mapper.GetQueueForStream(StreamId.Create("unroutable", e.EventId.ToString("N"))).Equals(queue)) return;
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
        if (delivered <= _flushed || !force && time.GetElapsedTime(_lastFlushAt) < options.CheckpointInterval) return;
        _lastFlushAt = time.GetTimestamp();
        var epoch = _epoch;
        _flushing = WriteCheckpointAsync(epoch, delivered);
    }

    private async Task WriteCheckpointAsync(long epoch, JournalPosition delivered)
    {
        try
        {
            await store.AdvanceCheckpointAsync(new SubscriptionCheckpoint(subscription, _queue, epoch, delivered, owner, time.GetUtcNow()));
            if (epoch == _epoch) _flushed = delivered;
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
        await _flushing;
        Flush(force: true);
        await _flushing;
        logger.LogDebug("{Subscription} queue {Queue} handed back at {Position}", subscription, _queue, _flushed);
    }
}
