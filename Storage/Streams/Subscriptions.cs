using Ates.Journal;
using Ates.Storage.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Streams;
using Orleans.Runtime;

namespace Ates.Storage.Streams;

public sealed record QueueStatus(int Queue, JournalPosition Position, string? Owner, DateTimeOffset UpdatedAt);

/// <param name="Pending">Journal events after the queues' checkpoints (each in its partition), counted up to the limit asked for.</param>
public sealed record SubscriptionStatus(string Name, long Epoch, DateTimeOffset Watermark, long Pending, IReadOnlyList<QueueStatus> Queues);

public enum DeadLetterRetryOutcome
{
    NotFound,
    Delivered,
    FailedAgain,
}

/// <param name="Queue">The subscription queue (the partition) that delivered the letter's event (null for an event that could not be routed).</param>
public sealed record ParkedEvent(DeadLetter Letter, int? Queue);

/// <summary>
/// The operator's side of the subscriptions, from the journal's store: status and watermark (the day close waits for
/// billing's), whether a subscription has caught up, dead letters (list, retry, discard) and a rebuild from zero.
/// </summary>
public sealed class Subscriptions(IServiceProvider services, IJournalStore store, IGrainFactory grains, TimeProvider time) : ISubscriptionProgress
{
    private readonly IReadOnlyList<string> _names = services.GetServices<JournalSubscriptionName>().Select(n => n.Name).Distinct().Order(StringComparer.Ordinal).ToList();

    public IReadOnlyList<string> Names => _names;

    /// <summary>Every queue's checkpoint (a queue reads the partition of its number); a queue that never wrote one is at the start.</summary>
    public async Task<IReadOnlyList<QueueStatus>> QueuesAsync(string subscription, CancellationToken ct = default)
    {
        var written = (await store.ReadCheckpointsAsync(subscription, ct)).ToDictionary(c => c.Queue);
        return Enumerable.Range(0, JournalPartitions.Count)
            .Select(q => written.TryGetValue(q, out var c) ? new QueueStatus(q, c.Position, c.Owner, c.UpdatedAt) : new QueueStatus(q, JournalPosition.Start, null, DateTimeOffset.MinValue))
            .ToList();
    }

    public async Task<DateTimeOffset?> EarliestUndeliveredAsync(string subscription, CancellationToken ct = default)
    {
        DateTimeOffset? earliest = null;
        foreach (var queue in await QueuesAsync(subscription, ct))
        {
            var next = await store.ReadPartitionAsync(queue.Queue, queue.Position, 1, ct);
            if (next.Count > 0 && (earliest is null || next[0].Metadata.OccurredAt < earliest)) earliest = next[0].Metadata.OccurredAt;
        }
        return earliest;
    }

    public async Task<IReadOnlyList<JournalPosition>> DeliveredThroughAsync(string subscription, CancellationToken ct = default) =>
        (await QueuesAsync(subscription, ct)).OrderBy(q => q.Queue).Select(q => q.Position).ToList();

    /// <summary>The time up to which the subscription has delivered everything (now, when it has delivered the whole journal).</summary>
    public async Task<DateTimeOffset> WatermarkAsync(string subscription, CancellationToken ct = default) =>
        await EarliestUndeliveredAsync(subscription, ct) ?? time.GetUtcNow();

    /// <summary>True when every queue has delivered its partition as far as it is now.</summary>
    public async Task<bool> IsCaughtUpAsync(string subscription, CancellationToken ct = default)
    {
        foreach (var queue in await QueuesAsync(subscription, ct))
        {
            if ((await store.ReadPartitionAsync(queue.Queue, queue.Position, 1, ct)).Count > 0) return false;
        }
        return true;
    }

    public async Task<IReadOnlyList<SubscriptionStatus>> StatusAsync(int countPendingUpTo = 10_000, CancellationToken ct = default)
    {
        var statuses = new List<SubscriptionStatus>();
        foreach (var name in _names)
        {
            var queues = await QueuesAsync(name, ct);
            long pending = 0;
            foreach (var queue in queues)
            {
                if (pending >= countPendingUpTo) break;
                pending += (await store.ReadPartitionAsync(queue.Queue, queue.Position, (int)(countPendingUpTo - pending), ct)).Count;
            }
            statuses.Add(new SubscriptionStatus(name, await store.ReadEpochAsync(name, ct), await WatermarkAsync(name, ct), pending, queues));
        }
        return statuses;
    }

    public async Task<IReadOnlyList<ParkedEvent>> DeadLettersAsync(CancellationToken ct = default) =>
        (await store.ListDeadLettersAsync(ct))
            .Select(d => new ParkedEvent(d, TargetOf(d) is not null && _names.Contains(d.Subscription) ? JournalPartitions.Of(d.StreamId) : null))
            .ToList();

    /// <summary>Hands the parked event to its consumer once more (re-routed when it could not be routed before).</summary>
    public async Task<(DeadLetterRetryOutcome Outcome, DeadLetter? Letter)> RetryAsync(Guid id, CancellationToken ct = default)
    {
        var letter = (await store.ListDeadLettersAsync(ct)).FirstOrDefault(d => d.Id == id);
        if (letter is null || !_names.Contains(letter.Subscription)) return (DeadLetterRetryOutcome.NotFound, letter);
        var e = (await store.ReadStreamAsync(letter.StreamId, letter.StreamVersion - 1, 1, ct)).SingleOrDefault();
        if (e is null || e.EventId != letter.EventId) return (DeadLetterRetryOutcome.NotFound, letter);

        var route = services.GetRequiredKeyedService<SubscriptionRoute>(letter.Subscription);
        string? error;
        try
        {
            IReadOnlyList<StreamId> targets = TargetOf(letter) is { } target
                ? [target]
                : route.Targets(e, route.TakesEveryType ? e : services.GetRequiredService<IEventSerializer>().Deserialize(e)).Distinct().ToList();
            error = null;
            foreach (var t in targets)
            {
                error = await route.ConsumerOf(grains, t).RetryAsync(letter.Subscription, t, e);
                if (error is not null) break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            error = $"{ex.GetType().Name}: {ex.Message}";
        }

        if (error is null)
        {
            await store.RemoveDeadLetterAsync(id, ct);
            return (DeadLetterRetryOutcome.Delivered, letter);
        }
        var now = time.GetUtcNow();
        await store.ParkAsync(letter with { Error = error, Attempts = 1, LastFailedAt = now }, ct);
        return (DeadLetterRetryOutcome.FailedAgain, letter with { Error = error, Attempts = letter.Attempts + 1, LastFailedAt = now });
    }

    public Task<bool> DiscardAsync(Guid id, CancellationToken ct = default) => store.RemoveDeadLetterAsync(id, ct);

    /// <summary>
    /// Replays the whole journal into the subscription: a new epoch, every checkpoint back to the start. The queues
    /// notice within <see cref="JournalStreamOptions.EpochCheckInterval"/>. Consumers must be idempotent (they are: by event id).
    /// </summary>
    public Task<long> RebuildAsync(string subscription, CancellationToken ct = default)
    {
        if (!_names.Contains(subscription)) throw new ArgumentException($"No subscription named '{subscription}'.", nameof(subscription));
        return store.RestartSubscriptionAsync(subscription, ct);
    }

    /// <summary>The consumer's target a letter names ("billing.account/…"; a partitioned stream's partition is dropped).</summary>
    private static StreamId? TargetOf(DeadLetter letter)
    {
        var slash = letter.Target.IndexOf('/');
        return slash <= 0 ? null : JournalPartitions.Split(StreamId.Create(letter.Target[..slash], letter.Target[(slash + 1)..])).Target;
    }
}

/// <summary>Marks a registered subscription (one per journal stream provider) for <see cref="Subscriptions"/>.</summary>
internal sealed record JournalSubscriptionName(string Name);
