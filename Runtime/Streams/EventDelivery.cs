using Microsoft.Extensions.Logging;

namespace Ates.Runtime.Streams;

/// <summary>Delivers one event to one subscription: retries with backoff, then parks it as a dead letter.</summary>
internal sealed class EventDelivery(IServiceProvider services, IAtesStore store, RuntimeOptions options, TimeProvider time, ILogger<EventDelivery> logger)
{
    /// <summary>Runs the handler once, with the event's correlation flowing and the event itself as causation.</summary>
    public async Task HandleOnceAsync(SubscriptionDefinition subscription, RecordedEvent e, CancellationToken ct)
    {
        using var request = RequestContext.Begin(e.Metadata.CorrelationId, e.EventId.ToString(), e.Metadata.ActorUserId);
        using var scope = logger.BeginScope(new Dictionary<string, object?>
        {
            ["CorrelationId"] = e.Metadata.CorrelationId,
            ["CausationId"] = e.EventId,
            ["Subscription"] = subscription.Name,
        });
        await subscription.Handle(e, services, ct).ConfigureAwait(false);
    }

    /// <summary>Returns once the event was handled or parked. Only a stop request interrupts the backoff.</summary>
    public async Task DeliverAsync(SubscriptionDefinition subscription, RecordedEvent e, CancellationToken stop)
    {
        var firstFailedAt = default(DateTimeOffset);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await HandleOnceAsync(subscription, e, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception ex)
            {
                if (attempt == 1) firstFailedAt = time.GetUtcNow();
                // An event that cannot be decoded will not decode on a retry either.
                if (attempt >= options.DeliveryAttempts || ex is EventDecodingException)
                {
                    await ParkAsync(subscription, e, ex, attempt, firstFailedAt).ConfigureAwait(false);
                    return;
                }
                logger.LogWarning(ex, "{Subscription}: attempt {Attempt} at event {EventId} ({Type}) failed", subscription.Name, attempt, e.EventId, e.Type);
                await Task.Delay(Backoff(attempt), time, stop).ConfigureAwait(false);
            }
        }
    }

    private readonly ConsumerCalls _consumerCalls = new();

    /// <summary>The consumer grain a routed subscription sends the event to (null: none).</summary>
    public IEventConsumer? ConsumerOf(SubscriptionDefinition subscription, RecordedEvent e) => subscription.Route!(e, services);

    /// <summary>
    /// Events of one batch meant for one consumer grain, handed over in one call (merged with what other pumps have for
    /// the same grain at the time: <see cref="ConsumerCalls"/>). Should that fail, they are delivered one at a time in
    /// log order, so only an event that fails on its own is retried and parked (handlers are idempotent: whatever part
    /// of the call took effect is skipped the second time).
    /// </summary>
    public async Task DeliverToConsumerAsync(SubscriptionDefinition subscription, IEventConsumer consumer, IReadOnlyList<RecordedEvent> events,
        Func<bool> mayGoOn, CancellationToken stop)
    {
        try
        {
            await _consumerCalls.CallAsync(consumer, events).ConfigureAwait(false);
            return;
        }
        catch (Exception ex)
        {
            logger.LogInformation(ex, "{Subscription}: {Count} events for {Consumer} together failed; delivering them one at a time", subscription.Name, events.Count, consumer);
        }
        foreach (var e in events)
        {
            if (!mayGoOn()) return;
            await DeliverAsync(subscription, e, stop).ConfigureAwait(false);
        }
    }

    private TimeSpan Backoff(int failedAttempts)
    {
        var delay = options.RetryBackoff * Math.Pow(2, failedAttempts - 1);
        return delay < options.MaxRetryBackoff ? delay : options.MaxRetryBackoff;
    }

    private async Task ParkAsync(SubscriptionDefinition subscription, RecordedEvent e, Exception error, int attempts, DateTimeOffset firstFailedAt)
    {
        logger.LogError(error, "{Subscription}: event {EventId} ({Type}) parked as a dead letter after {Attempts} attempts", subscription.Name, e.EventId, e.Type, attempts);
        await store.ParkAsync(new DeadLetter(Guid.CreateVersion7(), subscription.Name, e.Partition, e.EventId, e.StreamId, e.StreamVersion, e.Position,
            e.Type, Describe(error), attempts, firstFailedAt, time.GetUtcNow())).ConfigureAwait(false);
    }

    internal static string Describe(Exception error) => $"{error.GetType().Name}: {error.Message}";
}
