using Ates.Grains.EventSourcing;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;

namespace Ates.Grains;

public sealed class AnalyticsDayState
{
    public decimal AssignFees { get; set; }
    public decimal Rewards { get; set; }
    public ExpensiveTask? MostExpensive { get; set; }
    public HashSet<Guid> Counted { get; set; } = [];
}

/// <summary>Rules 7 and 9 for one business day, from task events (prices as the events carry them).</summary>
[GrainType("analyticsday")]
[ImplicitStreamSubscription(DomainSubscriptions.AnalyticsDays, JournalPartitions.TargetMapper)]
public sealed class AnalyticsDayGrain : SubscriberGrain<AnalyticsDayState, AnalyticsTaskPriced>, IAnalyticsDayGrain
{
    // The dedupe set grows all day; snapshot after as many events as it holds so snapshots stay amortised O(1).
    protected override int SnapshotEvery => Math.Max(1000, State.Counted.Count);

    protected override void TransitionState(AnalyticsDayState state, AnalyticsTaskPriced e)
    {
        state.Counted.Add(e.SourceEventId);
        if (e.Kind == EntryKinds.AssignFee)
        {
            state.AssignFees += e.Amount;
            return;
        }
        state.Rewards += e.Amount;
        var candidate = new ExpensiveTask(e.TaskId, e.Title ?? "", e.JiraId, e.Amount, e.At);
        if (state.MostExpensive is null || TaskRanking.MoreExpensive(candidate, state.MostExpensive)) state.MostExpensive = candidate;
    }

    protected override void Handle(JournalEvent journalEvent, object decoded)
    {
        if (State.Counted.Contains(journalEvent.EventId)) return;
        AnalyticsTaskPriced? priced = decoded switch
        {
            TaskAssigned a => new(journalEvent.EventId, EntryKinds.AssignFee, a.AssignFee, a.TaskId, a.Title, a.JiraId, journalEvent.Metadata.OccurredAt),
            TaskCompleted c => new(journalEvent.EventId, EntryKinds.Reward, c.Reward, c.TaskId, c.Title, c.JiraId, journalEvent.Metadata.OccurredAt),
            _ => null,
        };
        if (priced is not null) Raise(priced);
    }

    public Task<decimal> ManagementEarnings() => Task.FromResult(State.AssignFees - State.Rewards);

    public Task<ExpensiveTask?> MostExpensive() => Task.FromResult(State.MostExpensive);
}
