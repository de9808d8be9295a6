namespace Ates.Runtime;

/// <summary>
/// Values that flow with a call chain, like Orleans' RequestContext: set by the gateway for a request
/// (correlation, actor) and by the stream pump for a delivered event (causation = that event). Events raised
/// while they are set carry them in their metadata.
/// </summary>
public static class RequestContext
{
    private static readonly AsyncLocal<Values?> Current = new();

    public static string? CorrelationId => Current.Value?.CorrelationId;
    public static string? CausationId => Current.Value?.CausationId;
    public static string? ActorUserId => Current.Value?.ActorUserId;

    /// <summary>Sets the values for the current async flow until the returned scope is disposed.</summary>
    public static Scope Begin(string? correlationId, string? causationId = null, string? actorUserId = null)
    {
        var previous = Current.Value;
        Current.Value = new Values(correlationId, causationId, actorUserId);
        return new Scope(previous);
    }

    public readonly struct Scope : IDisposable
    {
        private readonly Values? _previous;
        internal Scope(Values? previous) => _previous = previous;
        public void Dispose() => Current.Value = _previous;
    }

    internal sealed record Values(string? CorrelationId, string? CausationId, string? ActorUserId);
}
