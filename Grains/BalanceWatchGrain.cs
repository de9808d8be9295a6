using Ates.Grains.EventSourcing;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;

namespace Ates.Grains;

public sealed class BalanceWatchState
{
    public Dictionary<Guid, AnalyticsBalanceSeen> Latest { get; set; } = [];
}

/// <summary>Rule 9's "negative balances now": the latest balance of each account, newest by account stream version wins.</summary>
[GrainType("balancewatch")]
[ImplicitStreamSubscription(DomainSubscriptions.AnalyticsBalances, JournalPartitions.TargetMapper)]
public sealed class BalanceWatchGrain : SubscriberGrain<BalanceWatchState, AnalyticsBalanceSeen>, IBalanceWatchGrain
{
    protected override int SnapshotEvery => Math.Max(1000, State.Latest.Count);

    protected override void TransitionState(BalanceWatchState state, AnalyticsBalanceSeen e) => state.Latest[e.AccountId] = e;

    protected override void Handle(JournalEvent journalEvent, object decoded)
    {
        if (decoded is not LedgerEntryRecorded entry) return;
        // Versions only grow, so a redelivered or older entry changes nothing.
        if (State.Latest.TryGetValue(entry.AccountId, out var seen) && seen.Version >= journalEvent.StreamVersion) return;
        Raise(new AnalyticsBalanceSeen(entry.AccountId, journalEvent.StreamVersion, entry.BalanceAfter));
    }

    public Task<int> NegativeBalances() => Task.FromResult(State.Latest.Values.Count(b => b.Balance < 0));
}
