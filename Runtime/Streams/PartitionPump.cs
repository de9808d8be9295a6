using Ates.Runtime.Core;
using Microsoft.Extensions.Logging;

namespace Ates.Runtime.Streams;

/// <summary>
/// Processes one partition of one subscription while this silo holds its lease: read after the checkpoint, deliver
/// in order, move the checkpoint (fenced on its old value) after each batch. A failed fence means the lease moved or
/// the subscription was rebuilt: re-read the checkpoint and go on from there. Every move is also fenced on the lease
/// itself, so a silo that lost it cannot move the checkpoint even before another silo has taken over.
/// </summary>
internal sealed class PartitionPump(
    SubscriptionDefinition subscription,
    int partition,
    ILeaseSession lease,
    string leaseName,
    WakeSignal wake,
    EventDelivery delivery,
    IAtesStore store,
    RuntimeOptions options,
    TimeProvider time,
    ILogger logger)
{
    private readonly LeaseFence _fence = new(lease, leaseName);

    public async Task RunAsync(CancellationToken stop)
    {
        var checkpoint = await store.ReadCheckpointAsync(subscription.Name, partition, stop).ConfigureAwait(false);
        // Checkpoint writes trail delivery (at-least-once allows that): one write at a time is in flight, and while it
        // is, later batches are delivered and only the newest position is written next; its fenced outcome is checked
        // before that. `stored` is where the store's checkpoint is, or will be once `moving` lands.
        var stored = checkpoint;
        Task<bool>? moving = null;
        try
        {
            while (!stop.IsCancellationRequested && lease.IsHeld(leaseName))
            {
                wake.Rearm();
                var batch = await store.ReadPartitionTailAsync(partition, checkpoint, options.SubscriptionBatchSize, stop).ConfigureAwait(false);
                if (batch.Count == 0)
                {
                    // Caught up: settle the trailing write and write the newest position before idling.
                    if (!await SettleAsync(moving).ConfigureAwait(false))
                    {
                        (moving, checkpoint) = (null, await store.ReadCheckpointAsync(subscription.Name, partition, stop).ConfigureAwait(false));
                        stored = checkpoint;
                        continue;
                    }
                    moving = stored == checkpoint ? null : Move(ref stored, checkpoint);
                    // Woken by a commit: go on from where we are. After a quiet poll interval, read the checkpoint again,
                    // in case the subscription was rebuilt meanwhile (a busy partition learns that from a refused move).
                    if (!await wake.WaitAsync(options.SubscriptionPollInterval, time, stop).ConfigureAwait(false))
                    {
                        await SettleAsync(moving).ConfigureAwait(false);
                        (moving, checkpoint) = (null, await store.ReadCheckpointAsync(subscription.Name, partition, stop).ConfigureAwait(false));
                        stored = checkpoint;
                    }
                    continue;
                }

                var processed = checkpoint;
                if (subscription.ConcurrentStreams && subscription.Route is not null && RouteAll(batch) is { } consumers)
                {
                    processed = await DeliverToConsumersAsync(consumers, batch, checkpoint, stop).ConfigureAwait(false);
                }
                else
                {
                    foreach (var e in batch)
                    {
                        if (stop.IsCancellationRequested || !lease.IsHeld(leaseName)) break;
                        await delivery.DeliverAsync(subscription, e, stop).ConfigureAwait(false);
                        processed = e.Position;
                    }
                }
                if (processed == checkpoint) continue;
                checkpoint = processed;
                if (moving is { IsCompleted: false }) continue; // written after the one in flight
                if (!await SettleAsync(moving).ConfigureAwait(false))
                {
                    (moving, checkpoint) = (null, await store.ReadCheckpointAsync(subscription.Name, partition, stop).ConfigureAwait(false));
                    stored = checkpoint;
                    continue;
                }
                moving = Move(ref stored, checkpoint);
            }
        }
        finally
        {
            // A graceful stop leaves the newest position durable before the lease is handed back.
            if (await SettleAsync(moving).ConfigureAwait(false) && stored != checkpoint && lease.IsHeld(leaseName))
                await SettleAsync(Move(ref stored, checkpoint)).ConfigureAwait(false);
        }
    }

    private Task<bool> Move(ref LogPosition stored, LogPosition next)
    {
        var moving = store.TryMoveCheckpointAsync(subscription.Name, partition, stored, next, _fence, CancellationToken.None);
        stored = next;
        return moving;
    }

    /// <summary>The batch's events grouped by consumer grain, in log order; null if routing any of them failed (it is then delivered as usual, to be retried and parked).</summary>
    private List<(IEventConsumer Consumer, List<RecordedEvent> Events)>? RouteAll(IReadOnlyList<RecordedEvent> batch)
    {
        var groups = new Dictionary<GrainId, (IEventConsumer Consumer, List<RecordedEvent> Events)>();
        try
        {
            foreach (var e in batch)
            {
                if (delivery.ConsumerOf(subscription, e) is not { } consumer) continue;
                var id = ((GrainReference)(object)consumer).Id;
                if (!groups.TryGetValue(id, out var group)) groups[id] = group = (consumer, []);
                group.Events.Add(e);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return null;
        }
        return groups.Values.ToList();
    }

    /// <summary>Each consumer grain's events of the batch in one call, the grains side by side; the batch's end once all are through, else where it was.</summary>
    private async Task<LogPosition> DeliverToConsumersAsync(List<(IEventConsumer Consumer, List<RecordedEvent> Events)> consumers, IReadOnlyList<RecordedEvent> batch,
        LogPosition checkpoint, CancellationToken stop)
    {
        bool MayGoOn() => !stop.IsCancellationRequested && lease.IsHeld(leaseName);
        await Task.WhenAll(consumers.Select(c => delivery.DeliverToConsumerAsync(subscription, c.Consumer, c.Events, MayGoOn, stop))).ConfigureAwait(false);
        return MayGoOn() ? batch[^1].Position : checkpoint;
    }

    /// <summary>Awaits an in-flight checkpoint move; false when its fence refused it (the lease moved, or a rebuild).</summary>
    private async Task<bool> SettleAsync(Task<bool>? moving)
    {
        if (moving is null || await moving.ConfigureAwait(false)) return true;
        logger.LogInformation("{Subscription}/{Partition}: checkpoint moved elsewhere; reading it again", subscription.Name, partition);
        return false;
    }
}
