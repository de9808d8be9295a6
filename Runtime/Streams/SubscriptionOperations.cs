namespace Ates.Runtime;

public sealed record SubscriptionStatus(string Name, long PendingEvents, DateTimeOffset Watermark);

public enum DeadLetterRetryOutcome
{
    NotFound,
    Delivered,
    FailedAgain,
}

/// <summary>Operator actions on subscriptions: list, retry and discard dead letters; rebuild a subscription from position zero.</summary>
public sealed class SubscriptionOperations
{
    private readonly IAtesStore _store;
    private readonly Streams.EventDelivery _delivery;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, SubscriptionDefinition> _subscriptions;

    internal SubscriptionOperations(IAtesStore store, Streams.EventDelivery delivery, TimeProvider time, IEnumerable<SubscriptionDefinition> subscriptions)
    {
        _store = store;
        _delivery = delivery;
        _time = time;
        _subscriptions = subscriptions.ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<string> Names => _subscriptions.Keys;

    public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(CancellationToken ct = default) => _store.ReadDeadLettersAsync(ct);

    /// <summary>Delivers the parked event once more; on success it leaves the dead letters, on failure it stays with the new error.</summary>
    public async Task<(DeadLetterRetryOutcome Outcome, DeadLetter? DeadLetter)> RetryDeadLetterAsync(Guid id, CancellationToken ct = default)
    {
        var deadLetter = (await _store.ReadDeadLettersAsync(ct).ConfigureAwait(false)).FirstOrDefault(d => d.Id == id);
        if (deadLetter is null || !_subscriptions.TryGetValue(deadLetter.Subscription, out var subscription)) return (DeadLetterRetryOutcome.NotFound, deadLetter);
        var e = await _store.ReadEventAsync(deadLetter.StreamId, deadLetter.StreamVersion, ct).ConfigureAwait(false);
        if (e is null) return (DeadLetterRetryOutcome.NotFound, deadLetter);

        try
        {
            await _delivery.HandleOnceAsync(subscription, e, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var again = deadLetter with { Error = Streams.EventDelivery.Describe(ex), Attempts = deadLetter.Attempts + 1, LastFailedAt = _time.GetUtcNow() };
            await _store.ParkAsync(again, ct).ConfigureAwait(false);
            return (DeadLetterRetryOutcome.FailedAgain, again);
        }
        await _store.RemoveDeadLetterAsync(id, ct).ConfigureAwait(false);
        return (DeadLetterRetryOutcome.Delivered, deadLetter);
    }

    /// <summary>
    /// The time up to which the subscription has processed everything: the earliest occurred-at among the first
    /// unprocessed event of each partition, or now when every partition is caught up.
    /// </summary>
    public async Task<DateTimeOffset> GetWatermarkAsync(string subscription, CancellationToken ct = default)
    {
        var watermark = _time.GetUtcNow();
        for (var partition = 0; partition < _store.Partitions; partition++)
        {
            var checkpoint = await _store.ReadCheckpointAsync(subscription, partition, ct).ConfigureAwait(false);
            var next = await _store.ReadPartitionAsync(partition, checkpoint, 1, ct).ConfigureAwait(false);
            if (next.Count > 0 && next[0].Metadata.OccurredAt < watermark) watermark = next[0].Metadata.OccurredAt;
        }
        return watermark;
    }

    /// <summary>Per subscription: events not processed yet (counted up to <paramref name="countUpTo"/> per partition) and the watermark.</summary>
    public async Task<IReadOnlyList<SubscriptionStatus>> GetStatusAsync(int countUpTo = 10_000, CancellationToken ct = default)
    {
        var statuses = new List<SubscriptionStatus>();
        foreach (var name in _subscriptions.Keys.Order(StringComparer.Ordinal))
        {
            long pending = 0;
            for (var partition = 0; partition < _store.Partitions; partition++)
            {
                var checkpoint = await _store.ReadCheckpointAsync(name, partition, ct).ConfigureAwait(false);
                pending += (await _store.ReadPartitionAsync(partition, checkpoint, countUpTo, ct).ConfigureAwait(false)).Count;
            }
            statuses.Add(new SubscriptionStatus(name, pending, await GetWatermarkAsync(name, ct).ConfigureAwait(false)));
        }
        return statuses;
    }

    /// <summary>True when every partition's checkpoint is at the end of the log as it is now.</summary>
    public async Task<bool> IsCaughtUpAsync(string subscription, CancellationToken ct = default)
    {
        for (var partition = 0; partition < _store.Partitions; partition++)
        {
            var checkpoint = await _store.ReadCheckpointAsync(subscription, partition, ct).ConfigureAwait(false);
            if ((await _store.ReadPartitionAsync(partition, checkpoint, 1, ct).ConfigureAwait(false)).Count > 0) return false;
        }
        return true;
    }

    public Task<bool> DiscardDeadLetterAsync(Guid id, CancellationToken ct = default) => _store.RemoveDeadLetterAsync(id, ct);

    /// <summary>Replays the whole log into the subscription: its handlers must be idempotent (or their state cleared first).</summary>
    public Task RebuildAsync(string subscription, CancellationToken ct = default)
    {
        if (!_subscriptions.ContainsKey(subscription)) throw new ArgumentException($"No subscription named '{subscription}'.", nameof(subscription));
        return _store.ResetCheckpointsAsync(subscription, ct);
    }
}
