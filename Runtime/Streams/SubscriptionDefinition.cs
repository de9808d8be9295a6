using Ates.Runtime.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Ates.Runtime;

/// <summary>
/// A durable, named subscription to the global log: a checkpoint per partition, processed by one silo per partition
/// at a time, at-least-once and in log order within a partition. The handler must be idempotent.
/// </summary>
public sealed class SubscriptionDefinition(string name, Func<RecordedEvent, IServiceProvider, CancellationToken, Task> handle)
{
    public string Name { get; } = !string.IsNullOrWhiteSpace(name) && !name.Contains(':')
        ? name
        : throw new ArgumentException("A subscription name is non-empty and has no ':'.", nameof(name));

    public Func<RecordedEvent, IServiceProvider, CancellationToken, Task> Handle { get; } = handle;

    /// <summary>
    /// A subscription that hands each event to a consumer grain (null: not for this subscription). With
    /// <see cref="ConcurrentStreams"/>, the events of a batch meant for one grain go to it together
    /// (<see cref="IEventConsumer.OnEventsAsync"/>): one command and one append per grain per batch, not per event.
    /// </summary>
    public SubscriptionDefinition(string name, Func<RecordedEvent, IServiceProvider, IEventConsumer?> route)
        : this(name, (e, services, _) => route(e, services)?.OnEventAsync(e) ?? Task.CompletedTask) => Route = route;

    /// <summary>The consumer grain of an event, for subscriptions made with a route; null otherwise.</summary>
    public Func<RecordedEvent, IServiceProvider, IEventConsumer?>? Route { get; }

    /// <summary>
    /// False (the default): one event at a time, in log order within the partition. True, for subscriptions made with a
    /// <see cref="Route"/> whose handlers only need each source stream in order: each consumer grain gets its events of
    /// a batch in one call, the grains side by side, and the checkpoint moves only past a batch delivered whole.
    /// </summary>
    public bool ConcurrentStreams { get; init; }

    /// <summary>Routes each event to the grain whose Guid key <paramref name="route"/> returns (null: not for this subscription).</summary>
    public static SubscriptionDefinition ToGrains<TGrain>(string name, Func<RecordedEvent, Guid?> route)
        where TGrain : IEventConsumer, IGrainWithGuidKey =>
        new(name, (e, services) => route(e) is { } key ? services.GetRequiredService<IGrainFactory>().GetGrain<TGrain>(key) : null);

    /// <summary>Routes each event to the grain whose string key <paramref name="route"/> returns (null: not for this subscription).</summary>
    public static SubscriptionDefinition ToGrains<TGrain>(string name, Func<RecordedEvent, string?> route)
        where TGrain : IEventConsumer, IGrainWithStringKey =>
        new(name, (e, services) => route(e) is { } key ? services.GetRequiredService<IGrainFactory>().GetGrain<TGrain>(key) : null);

    /// <summary>What [ImplicitStreamSubscription] declares: events of the namespaces go to the grain keyed by the stream's key.</summary>
    internal static SubscriptionDefinition Implicit(GrainClass grainClass)
    {
        var namespaces = grainClass.ImplicitNamespaces.ToHashSet(StringComparer.Ordinal);
        return new SubscriptionDefinition($"implicit-{grainClass.TypeName}", (e, services) => namespaces.Contains(e.StreamNamespace)
            ? services.GetRequiredService<GrainRuntime>().GetGrain<IEventConsumer>(new GrainId(grainClass.TypeName, e.StreamKey))
            : null);
    }
}
