using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Runtime;

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
public sealed class AnalyticsDayGrain(IEventSerializer serializer) : JournaledGrain<AnalyticsDayState, AnalyticsTaskPriced>, IAnalyticsDayGrain
{
    // The dedupe set grows all day; snapshot after as many events as it holds so snapshots stay amortised O(1).
    protected override int SnapshotEvery => Math.Max(1000, State.Counted.Count);

    protected override AnalyticsDayState Apply(AnalyticsDayState state, AnalyticsTaskPriced e)
    {
        state.Counted.Add(e.SourceEventId);
        if (e.Kind == EntryKinds.AssignFee)
        {
            state.AssignFees += e.Amount;
        }
        else
        {
            state.Rewards += e.Amount;
            var candidate = new ExpensiveTask(e.TaskId, e.Title ?? "", e.JiraId, e.Amount, e.At);
            if (state.MostExpensive is null || DomainQueries.MoreExpensive(candidate, state.MostExpensive)) state.MostExpensive = candidate;
        }
        return state;
    }

    public Task OnEventAsync(RecordedEvent recordedEvent) => OnEventsAsync([recordedEvent]);

    public Task OnEventsAsync(IReadOnlyList<RecordedEvent> recordedEvents) => ConsumeAsync(recordedEvents, recordedEvent =>
    {
        if (State.Counted.Contains(recordedEvent.EventId)) return;
        AnalyticsTaskPriced? priced = serializer.Deserialize(recordedEvent) switch
        {
            TaskAssigned a => new(recordedEvent.EventId, EntryKinds.AssignFee, a.AssignFee, a.TaskId, a.Title, a.JiraId, recordedEvent.Metadata.OccurredAt),
            TaskCompleted c => new(recordedEvent.EventId, EntryKinds.Reward, c.Reward, c.TaskId, c.Title, c.JiraId, recordedEvent.Metadata.OccurredAt),
            _ => null,
        };
        if (priced is not null) RaiseEvent(priced);
    }, DomainSubscriptions.ConsumerAttempts, refreshFirst: false);

    public async Task<decimal> ManagementEarnings()
    {
        await RefreshAsync();
        return State.AssignFees - State.Rewards;
    }

    public async Task<ExpensiveTask?> MostExpensive()
    {
        await RefreshAsync();
        return State.MostExpensive;
    }
}
