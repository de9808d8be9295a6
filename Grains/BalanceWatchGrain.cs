using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Runtime;

namespace Ates.Grains;

public sealed class BalanceWatchState
{
    public Dictionary<Guid, AnalyticsBalanceSeen> Latest { get; set; } = [];
}

/// <summary>Rule 9's "negative balances now": the latest balance of each account, newest by account stream version wins.</summary>
[GrainType("balancewatch")]
public sealed class BalanceWatchGrain(IEventSerializer serializer) : JournaledGrain<BalanceWatchState, AnalyticsBalanceSeen>, IBalanceWatchGrain
{
    protected override int SnapshotEvery => Math.Max(1000, State.Latest.Count);

    protected override BalanceWatchState Apply(BalanceWatchState state, AnalyticsBalanceSeen e)
    {
        state.Latest[e.AccountId] = e;
        return state;
    }

    public Task OnEventAsync(RecordedEvent recordedEvent) => OnEventsAsync([recordedEvent]);

    public Task OnEventsAsync(IReadOnlyList<RecordedEvent> recordedEvents) => ConsumeAsync(recordedEvents, recordedEvent =>
    {
        if (serializer.Deserialize(recordedEvent) is not LedgerEntryRecorded entry) return;
        // Versions only grow, so a redelivered or older entry changes nothing.
        if (State.Latest.TryGetValue(entry.AccountId, out var seen) && seen.Version >= recordedEvent.StreamVersion) return;
        RaiseEvent(new AnalyticsBalanceSeen(entry.AccountId, recordedEvent.StreamVersion, entry.BalanceAfter));
    }, DomainSubscriptions.ConsumerAttempts, refreshFirst: false);

    public async Task<int> NegativeBalances()
    {
        await RefreshAsync();
        return State.Latest.Values.Count(b => b.Balance < 0);
    }
}
