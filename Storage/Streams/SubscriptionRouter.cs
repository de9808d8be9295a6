using Ates.Journal;
using Orleans.Runtime;

namespace Ates.Storage.Streams;

/// <summary>
/// A subscription's route on this silo: where an event goes. Only the queue of the event's partition reads it, so each
/// event is routed once per subscription; its decoding is shared by every subscription that reads it (the serializer
/// keeps each event object's decoded form).
/// </summary>
internal sealed class SubscriptionRouter(SubscriptionRoute route, IEventSerializer serializer)
{
    private static readonly StreamId[] Nowhere = [];
    private static readonly Routed Unrouted = new(Nowhere, null);

    public SubscriptionRoute Route => route;

    public Routed RouteOf(JournalEvent e)
    {
        if (!route.TakesEveryType && !route.Types.Contains(e.Type)) return Unrouted;
        try
        {
            var targets = route.Targets(e, route.TakesEveryType ? e : serializer.Deserialize(e)).ToArray();
            return new Routed(targets.Length <= 1 ? targets : targets.Distinct().ToArray(), null);
        }
        catch (Exception ex)
        {
            // An event the route cannot read goes nowhere; the receiver parks it.
            return new Routed(Nowhere, ex);
        }
    }

    /// <summary>Where an event goes, or why it goes nowhere.</summary>
    public sealed record Routed(StreamId[] Targets, Exception? Failure);
}
