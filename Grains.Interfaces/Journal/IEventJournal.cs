using Orleans.Runtime;

namespace Ates.Journal;

/// <summary>
/// The event journal, the single source of truth (docs/design.md "The journal"): every domain event, appended with a per-stream
/// expected version, read back per stream and as one log in commit order.
/// </summary>
public interface IEventJournal
{
    /// <summary>
    /// Appends to a stream whose version must be <paramref name="expectedVersion"/> (0 for a new stream), all or nothing,
    /// else throws <see cref="JournalConflictException"/>. Returns once the events are durable.
    /// </summary>
    Task<AppendResult> AppendAsync(string streamId, long expectedVersion, IReadOnlyList<NewEvent> events, CancellationToken ct = default);

    /// <summary>Events of one stream with a version above <paramref name="afterVersion"/>, oldest first.</summary>
    Task<IReadOnlyList<JournalEvent>> ReadStreamAsync(string streamId, long afterVersion, int maxCount, CancellationToken ct = default);

    /// <summary>Events after <paramref name="after"/> in commit order, never skipping one that commits later.</summary>
    Task<IReadOnlyList<JournalEvent>> ReadLogAsync(JournalPosition after, int maxCount, CancellationToken ct = default);

    /// <summary>
    /// Events of one partition (<see cref="JournalPartitions"/>) after <paramref name="after"/>, in commit order, never
    /// skipping one that commits later: what a subscription queue reads.
    /// </summary>
    Task<IReadOnlyList<JournalEvent>> ReadPartitionAsync(int partition, JournalPosition after, int maxCount, CancellationToken ct = default);

    /// <summary>The position of the newest event readers can see now (<see cref="JournalPosition.Start"/> when empty).</summary>
    Task<JournalPosition> ReadHeadAsync(CancellationToken ct = default);

    /// <summary>Called after each commit (local, or announced by another silo). A wake-up only: readers still read.</summary>
    IDisposable OnAppended(Action appended);
}

/// <summary>
/// An event a subscription could not handle (it does not decode, or a rule refuses it), parked with its error so that
/// its stream goes on. Listed, retried and discarded by operators. <see cref="Target"/> is the subscription's stream
/// ("billing.account/…") whose consumer refused it, or empty when the event could not even be routed.
/// </summary>
[GenerateSerializer, Immutable, Alias("ates.journal.dead-letter")]
public sealed record DeadLetter(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Subscription,
    [property: Id(2)] string Target,
    [property: Id(3)] Guid EventId,
    [property: Id(4)] string StreamId,
    [property: Id(5)] long StreamVersion,
    [property: Id(6)] JournalPosition Position,
    [property: Id(7)] string Type,
    [property: Id(8)] string Error,
    [property: Id(9)] int Attempts,
    [property: Id(10)] DateTimeOffset FirstFailedAt,
    [property: Id(11)] DateTimeOffset LastFailedAt);

public interface IDeadLetters
{
    /// <summary>Parks an event; parking the same event for the same subscription again updates the one entry.</summary>
    Task ParkAsync(DeadLetter deadLetter, CancellationToken ct = default);

    Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(CancellationToken ct = default);

    Task<bool> RemoveDeadLetterAsync(Guid id, CancellationToken ct = default);
}

/// <summary>
/// A grain that consumes a subscription's events. Besides its implicit stream subscription it takes one parked event
/// again when an operator retries a dead letter.
/// </summary>
[Alias("ates.journal.consumer")]
public interface IJournalConsumer : IGrain
{
    /// <summary>Handles the event as the subscription would; null when it was handled, else why not.</summary>
    Task<string?> RetryAsync(string subscription, StreamId target, JournalEvent journalEvent);
}

/// <summary>
/// A subscription's route: which Orleans streams a journal event goes to (billing: task.assigned → the stream of the
/// assignee's account), and which grain consumes each stream (the one with the implicit subscription to its namespace).
/// <see cref="Types"/> names the event types it reads; others are never decoded.
/// </summary>
public sealed class SubscriptionRoute(
    string name,
    IReadOnlySet<string> types,
    Func<JournalEvent, object, IEnumerable<StreamId>> route,
    Func<IGrainFactory, StreamId, IJournalConsumer> consumerOf)
{
    /// <summary>
    /// The types of a route that takes every event as the journal has it, undecoded (the integration feed relays each
    /// one's public form): its route function is given the event itself as "decoded".
    /// </summary>
    public static readonly IReadOnlySet<string> EveryType = new HashSet<string>();

    public string Name { get; } = name;

    public IReadOnlySet<string> Types { get; } = types;

    public bool TakesEveryType => ReferenceEquals(Types, EveryType);

    public IEnumerable<StreamId> Targets(JournalEvent journalEvent, object decoded) => route(journalEvent, decoded);

    public IJournalConsumer ConsumerOf(IGrainFactory grains, StreamId target) => consumerOf(grains, target);
}

/// <summary>How far a subscription has delivered, as the domain needs it: the day close waits for billing's watermark.</summary>
public interface ISubscriptionProgress
{
    /// <summary>
    /// Up to when the subscription has delivered everything: the occurred-at of the earliest event some queue has not
    /// delivered yet, or null when every queue has delivered the whole journal (then "now", on the caller's clock).
    /// </summary>
    Task<DateTimeOffset?> EarliestUndeliveredAsync(string subscription, CancellationToken ct = default);

    /// <summary>
    /// Each partition's checkpoint, indexed by partition: every event of partition N at or before entry N has been
    /// delivered to its consumer (at least once). Checkpoints only move forward, so what this says stays true.
    /// </summary>
    Task<IReadOnlyList<JournalPosition>> DeliveredThroughAsync(string subscription, CancellationToken ct = default);
}
