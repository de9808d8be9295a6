using System.Runtime.CompilerServices;
using Ates.Journal;
using Orleans.Runtime;

namespace Ates.Storage.Streams;

/// <summary>
/// A subscription's route on this silo, computed once per event however many of the subscription's queues read it:
/// the queues share the journal tail's event objects, so the answer is kept beside each of them.
/// </summary>
internal sealed class SubscriptionRouter
{
    private static readonly StreamId[] Nowhere = [];
    private readonly ConditionalWeakTable<JournalEvent, Routed> _routed = [];
    private readonly ConditionalWeakTable<JournalEvent, Routed>.CreateValueCallback _compute;
    private readonly SubscriptionRoute _route;
    private readonly IEventSerializer _serializer;

    public SubscriptionRouter(SubscriptionRoute route, IEventSerializer serializer)
    {
        _route = route;
        _serializer = serializer;
        _compute = Compute; // one delegate for every lookup: a method group would allocate one per call
    }

    public SubscriptionRoute Route => _route;

    public Routed RouteOf(JournalEvent e) => _routed.GetValue(e, _compute);

    private Routed Compute(JournalEvent e)
    {
        if (!_route.TakesEveryType && !_route.Types.Contains(e.Type)) return Unrouted;
        try
        {
            return new Routed(_route.Targets(e, _route.TakesEveryType ? e : _serializer.Deserialize(e)).Distinct().ToArray(), null);
        }
        catch (Exception ex)
        {
            // An event the route cannot read goes nowhere; the queue that owns it parks it (see the receiver).
            return new Routed(Nowhere, ex);
        }
    }

    private static readonly Routed Unrouted = new(Nowhere, null);

    /// <summary>Where an event goes, or why it goes nowhere.</summary>
    public sealed record Routed(StreamId[] Targets, Exception? Failure);
}
