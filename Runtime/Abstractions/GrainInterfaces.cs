namespace Ates.Runtime;

/// <summary>Marker for every grain interface. Methods must return Task, Task&lt;T&gt;, ValueTask or ValueTask&lt;T&gt;.</summary>
public interface IGrain;

public interface IGrainWithGuidKey : IGrain;

public interface IGrainWithStringKey : IGrain;

/// <summary>Hands out grain references; a call through a reference activates the grain on demand.</summary>
public interface IGrainFactory
{
    TGrain GetGrain<TGrain>(Guid key) where TGrain : IGrainWithGuidKey;

    TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey;
}

/// <summary>A grain that receives durable reminder ticks.</summary>
public interface IRemindable : IGrain
{
    Task ReceiveReminder(string reminderName, TickStatus status);
}

public readonly record struct TickStatus(DateTimeOffset DueAt, TimeSpan Period, DateTimeOffset FiredAt);

/// <summary>A grain that is the target of a durable stream subscription.</summary>
public interface IEventConsumer : IGrain
{
    Task OnEventAsync(RecordedEvent recordedEvent);

    /// <summary>
    /// Several events for this grain, in log order: handled as <see cref="OnEventAsync"/> would handle them one after
    /// another, ideally as one command with one append (see JournaledGrain.ConsumeAsync). If it fails, the
    /// subscription delivers the events one at a time instead, with retries and dead letters.
    /// </summary>
    Task OnEventsAsync(IReadOnlyList<RecordedEvent> recordedEvents);
}

/// <summary>Read-only method: may interleave with other read-only calls, never with a writer (Orleans' [ReadOnly]).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReadOnlyAttribute : Attribute;

/// <summary>Names a grain class's type in grain ids and storage (default: class name without the "Grain" suffix).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}

/// <summary>Overrides the idle time after which an activation of this class is collected.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class CollectionAgeLimitAttribute : Attribute
{
    public double Minutes { get; init; }
    public double Seconds { get; init; }
    public TimeSpan Limit => TimeSpan.FromMinutes(Minutes) + TimeSpan.FromSeconds(Seconds);
}

/// <summary>
/// Subscribes the grain class to every event on streams of the namespace (the part of the stream id before '/'):
/// the event goes to the grain whose key is the rest of the stream id. The class must implement <see cref="IEventConsumer"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true, Inherited = false)]
public sealed class ImplicitStreamSubscriptionAttribute(string streamNamespace) : Attribute
{
    public string StreamNamespace { get; } = streamNamespace;
}

public enum DeactivationReason
{
    Idle,
    Requested,
    Shutdown,
}
