using Ates.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Ates.Grains.EventSourcing;

/// <summary>
/// A journaled grain fed by a subscription's implicit stream: each call brings its events of one read of the journal,
/// handled as one command with one append (<see cref="Handle"/> decides per event, in journal order, with the event's
/// correlation and the event itself as causation). Delivery is at least once; handlers skip an event they have already
/// recorded (by its id), so redelivery changes nothing.
/// <para>
/// An event that cannot be handled — it does not decode, or a rule throws for it — is parked as a dead letter and the
/// rest go on; nothing of it is kept. What does throw out of a delivery is a failure of the journal itself (it is
/// down): Orleans' agent delivers the batch again until it passes.
/// </para>
/// </summary>
public abstract class SubscriberGrain<TState, TEvent> : EventSourcedGrain<TState, TEvent>, IStreamSubscriptionObserver, IJournalConsumer
    where TState : class, new()
    where TEvent : class
{
    /// <summary>
    /// How often a batch is decided again after losing an append race to another activation of this grain (a
    /// duplicate during a membership change). Safe: each attempt decides on the journal's state and skips what it holds.
    /// </summary>
    private const int Attempts = 50;

    private ILogger? _logger;

    /// <summary>Decides what one delivered event means for this grain, raising with <see cref="EventSourcedGrain{TState,TEvent}.Raise"/>.</summary>
    protected abstract void Handle(JournalEvent journalEvent, object decoded);

    /// <summary>Runs before each decision over a delivery (a decision may be taken again after a conflict).</summary>
    protected virtual void BeforeDecide()
    {
    }

    /// <summary>Runs once the events of a delivery are confirmed (side effects that must follow the record, like an email).</summary>
    protected virtual Task AfterConfirmedAsync() => Task.CompletedTask;

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<JournalEvent>().ResumeAsync(new Observer(this, handleFactory.ProviderName, handleFactory.StreamId));

    public async Task<string?> RetryAsync(string subscription, StreamId target, JournalEvent journalEvent)
    {
        var refused = await ConsumeAsync([journalEvent]);
        return refused.Count == 0 ? null : Describe(refused.Values.Single());
    }

    /// <summary>Handles the events as one command; returns those that could not be handled, with why.</summary>
    private async Task<IReadOnlyDictionary<JournalEvent, Exception>> ConsumeAsync(IReadOnlyList<JournalEvent> events)
    {
        var serializer = ServiceProvider.GetRequiredService<IEventSerializer>();
        var refused = new Dictionary<JournalEvent, Exception>();
        var decoded = new List<(JournalEvent Event, object Decoded)>(events.Count);
        foreach (var e in events)
        {
            try
            {
                decoded.Add((e, serializer.Deserialize(e)));
            }
            catch (EventDecodingException ex)
            {
                refused[e] = ex;
            }
        }

        for (var attempt = 1; ; attempt++)
        {
            await DiscardRaisedAsync();
            BeforeDecide();
            JournalEvent? deciding = null;
            try
            {
                foreach (var (e, data) in decoded)
                {
                    if (refused.ContainsKey(e)) continue;
                    deciding = e;
                    using var context = CallContext.BeginFrom(e);
                    Handle(e, data);
                }
                deciding = null;
            }
            catch (Exception ex) when (deciding is not null)
            {
                // That event cannot be handled: the batch is decided again without it.
                refused[deciding] = ex;
                attempt--;
                continue;
            }
            if (await ConfirmRaisedAsync()) break;
            if (attempt >= Attempts) throw new JournalConflictException(JournalLog.StreamId, Version, Version);
        }
        await AfterConfirmedAsync();
        return refused;
    }

    private async Task DeliverAsync(string subscription, StreamId target, IList<SequentialItem<JournalEvent>> items)
    {
        // The trace of the request that wrote the event goes on here: the events this grain raises carry this span.
        using var span = Ates.Grains.Interfaces.AtesTelemetry.StartConsume(subscription, GetType().Name, items.Select(i => i.Item.Metadata.TraceParent).ToList());
        // Whatever this consumer logs while handling the delivery names the requests that caused it.
        var logger = _logger ??= ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(GetType());
        using var correlation = logger.BeginScope(new Dictionary<string, object?>
        {
            ["CorrelationId"] = string.Join(",", items.Select(i => i.Item.Metadata.CorrelationId).Where(c => c is not null).Distinct()),
        });
        var refused = await ConsumeAsync(items.Select(i => i.Item).ToList());
        if (refused.Count == 0) return;
        var deadLetters = ServiceProvider.GetRequiredService<IDeadLetters>();
        var now = Calendar.Now;
        foreach (var (e, error) in refused)
        {
            using var scope = logger.BeginScope(new Dictionary<string, object?> { ["CorrelationId"] = e.Metadata.CorrelationId });
            logger.LogWarning(error, "{Subscription}: {Type} {EventId} parked as a dead letter by {Grain}", subscription, e.Type, e.EventId, this.GetGrainId());
            await deadLetters.ParkAsync(new DeadLetter(Guid.CreateVersion7(), subscription, JournalPartitions.Split(target).Target.ToString(), e.EventId, e.StreamId, e.StreamVersion, e.Position,
                e.Type, Describe(error), 1, now, now));
        }
    }

    private static string Describe(Exception error) => $"{error.GetType().Name}: {error.Message}";

    private sealed class Observer(SubscriberGrain<TState, TEvent> grain, string subscription, StreamId target) : IAsyncBatchObserver<JournalEvent>
    {
        public Task OnNextAsync(IList<SequentialItem<JournalEvent>> items) => grain.DeliverAsync(subscription, target, items);

        public Task OnCompletedAsync() => Task.CompletedTask;

        public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
    }
}
