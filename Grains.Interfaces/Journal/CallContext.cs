using Orleans.Runtime;

namespace Ates.Journal;

/// <summary>
/// What flows with a call chain in Orleans' <see cref="RequestContext"/> (docs/design.md "Orleans conventions"): the gateway
/// sets the correlation and the actor for a request, grain calls carry them, every event raised meanwhile stores them,
/// and a stream consumer restores them from the event it handles (with that event as causation).
/// </summary>
public static class CallContext
{
    private const string Correlation = "ates.correlation";
    private const string Causation = "ates.causation";
    private const string Actor = "ates.actor";

    public static string? CorrelationId => RequestContext.Get(Correlation) as string;

    public static string? CausationId => RequestContext.Get(Causation) as string;

    public static string? ActorUserId => RequestContext.Get(Actor) as string;

    /// <summary>Sets the values for the current call chain until the returned scope is disposed.</summary>
    public static Scope Begin(string? correlationId, string? causationId = null, string? actorUserId = null)
    {
        var previous = (CorrelationId, CausationId, ActorUserId);
        Set(correlationId, causationId, actorUserId);
        return new Scope(previous);
    }

    /// <summary>The values an event carries, restored for the work it causes.</summary>
    public static Scope BeginFrom(JournalEvent cause) => Begin(cause.Metadata.CorrelationId, cause.EventId.ToString(), cause.Metadata.ActorUserId);

    private static void Set(string? correlationId, string? causationId, string? actorUserId)
    {
        SetOrRemove(Correlation, correlationId);
        SetOrRemove(Causation, causationId);
        SetOrRemove(Actor, actorUserId);
    }

    private static void SetOrRemove(string key, string? value)
    {
        if (value is null) RequestContext.Remove(key);
        else RequestContext.Set(key, value);
    }

    public readonly struct Scope : IDisposable
    {
        private readonly (string? Correlation, string? Causation, string? Actor) _previous;

        internal Scope((string?, string?, string?) previous) => _previous = previous;

        public void Dispose() => Set(_previous.Correlation, _previous.Causation, _previous.Actor);
    }
}
