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
        // The checkpoint write of the previous batch, still in flight: the next batch is read and delivered while it
        // is made durable (at-least-once allows that), and its fenced outcome is checked before the next write.
        Task<bool>? moving = null;
        try
        {
            while (!stop.IsCancellationRequested && lease.IsHeld(leaseName))
            {
                wake.Rearm();
                var batch = await store.ReadPartitionAsync(partition, checkpoint, options.SubscriptionBatchSize, stop).ConfigureAwait(false);
                if (batch.Count == 0)
                {
                    if (!await SettleAsync(moving).ConfigureAwait(false)) checkpoint = await store.ReadCheckpointAsync(subscription.Name, partition, stop).ConfigureAwait(false);
                    moving = null;
                    await wake.WaitAsync(options.SubscriptionPollInterval, time, stop).ConfigureAwait(false);
                    await LingerAsync(stop).ConfigureAwait(false);
                    // The subscription may have been rebuilt while we idled.
                    checkpoint = await store.ReadCheckpointAsync(subscription.Name, partition, stop).ConfigureAwait(false);
                    continue;
                }

                var processed = checkpoint;
                if (subscription.ConcurrentStreams && store.DeliverStreamsSideBySide)
                {
                    processed = await DeliverStreamsAsync(batch, checkpoint, stop).ConfigureAwait(false);
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
                // Caught up: let the next commits gather before the next read.
                if (batch.Count < options.SubscriptionBatchSize) await LingerAsync(stop).ConfigureAwait(false);

                if (!await SettleAsync(moving).ConfigureAwait(false))
                {
                    moving = null;
                    checkpoint = await store.ReadCheckpointAsync(subscription.Name, partition, stop).ConfigureAwait(false);
                    continue;
                }
                moving = store.TryMoveCheckpointAsync(subscription.Name, partition, checkpoint, processed, _fence, CancellationToken.None);
                checkpoint = processed;
            }
        }
        finally
        {
            // A graceful stop leaves the last move durable before the lease is handed back.
            await SettleAsync(moving).ConfigureAwait(false);
        }
    }

    /// <summary>Each stream of the batch in order, the streams side by side; the batch's end once every stream is through, else where it was.</summary>
    private async Task<LogPosition> DeliverStreamsAsync(IReadOnlyList<RecordedEvent> batch, LogPosition checkpoint, CancellationToken stop)
    {
        var delivered = await Task.WhenAll(batch.GroupBy(e => e.StreamId, StringComparer.Ordinal).Select(async stream =>
        {
            foreach (var e in stream)
            {
                if (stop.IsCancellationRequested || !lease.IsHeld(leaseName)) return false;
                await delivery.DeliverAsync(subscription, e, stop).ConfigureAwait(false);
            }
            return true;
        })).ConfigureAwait(false);
        return delivered.All(d => d) ? batch[^1].Position : checkpoint;
    }

    /// <summary>A wall-clock pause (a cost knob of the store, not a semantic delay: a manual test clock must not stall it).</summary>
    private Task LingerAsync(CancellationToken stop) =>
        store.SubscriptionLinger <= TimeSpan.Zero ? Task.CompletedTask : Task.Delay(store.SubscriptionLinger, TimeProvider.System, stop);

    /// <summary>Awaits an in-flight checkpoint move; false when its fence refused it (the lease moved, or a rebuild).</summary>
    private async Task<bool> SettleAsync(Task<bool>? moving)
    {
        if (moving is null || await moving.ConfigureAwait(false)) return true;
        logger.LogInformation("{Subscription}/{Partition}: checkpoint moved elsewhere; reading it again", subscription.Name, partition);
        return false;
    }
}
