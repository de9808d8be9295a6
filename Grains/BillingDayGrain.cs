using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Runtime;
using Microsoft.Extensions.Logging;

namespace Ates.Grains;

public sealed class BillingDayState
{
    public decimal AssignFees { get; set; }
    public decimal Rewards { get; set; }
    public decimal Payouts { get; set; }
    public HashSet<Guid> Counted { get; set; } = [];
    public BillingDayClosed? Closed { get; set; }
}

/// <summary>
/// One business day of accounting. Totals (rule 7) come from ledger entries through the accounting subscription.
/// Close (rule 6) waits until the billing subscription has processed every event of the day, pays every positive
/// balance to zero, and records the result once: closing again returns that result and changes nothing.
/// </summary>
[GrainType("billingday")]
public sealed class BillingDayGrain(IEventSerializer serializer, BusinessCalendar calendar, SubscriptionOperations subscriptions, TimeProvider time,
    ILogger<BillingDayGrain> logger) : JournaledGrain<BillingDayState, object>, IBillingDayGrain
{
    private const int PayoutParallelism = 128;

    private DateOnly Date => BusinessCalendar.ParseKey(this.GetPrimaryKeyString());

    // The dedupe set grows all day; snapshot after as many events as it holds so snapshots stay amortised O(1).
    protected override int SnapshotEvery => Math.Max(1000, State.Counted.Count);

    protected override BillingDayState Apply(BillingDayState state, object e)
    {
        switch (e)
        {
            case BillingDayCounted { Kind: EntryKinds.AssignFee } c:
                state.AssignFees += c.Amount;
                state.Counted.Add(c.SourceEventId);
                break;
            case BillingDayCounted { Kind: EntryKinds.Reward } c:
                state.Rewards += c.Amount;
                state.Counted.Add(c.SourceEventId);
                break;
            case BillingDayCounted { Kind: EntryKinds.Payout } c:
                state.Payouts += c.Amount;
                state.Counted.Add(c.SourceEventId);
                break;
            case BillingDayClosed closed:
                state.Closed = closed;
                break;
        }
        return state;
    }

    public Task OnEventAsync(RecordedEvent recordedEvent) => OnEventsAsync([recordedEvent]);

    public Task OnEventsAsync(IReadOnlyList<RecordedEvent> recordedEvents) => ConsumeAsync(recordedEvents, recordedEvent =>
    {
        if (State.Counted.Contains(recordedEvent.EventId) || serializer.Deserialize(recordedEvent) is not LedgerEntryRecorded entry) return;
        RaiseEvent(new BillingDayCounted(recordedEvent.EventId, entry.Kind, Math.Abs(entry.Amount)));
    }, DomainSubscriptions.ConsumerAttempts);

    public async Task<DayDto> Get()
    {
        await RefreshAsync();
        return new DayDto(Date, State.AssignFees, State.Rewards, State.AssignFees - State.Rewards, State.Payouts, State.Closed is not null);
    }

    public async Task<CloseDayResult> Close()
    {
        DomainQueries.EnsureSupported(Date);
        await RefreshAsync();
        if (State.Closed is { } done) return new CloseDayResult(done.Date, done.PaidOut, done.AccountsPaid);
        if (!calendar.HasEnded(Date)) throw DomainException.Invalid("date", $"{BusinessCalendar.Key(Date)} has not ended yet.");
        var end = calendar.StartOf(Date.AddDays(1));
        var watermark = await subscriptions.GetWatermarkAsync(DomainSubscriptions.Billing);
        if (watermark < end)
        {
            throw new DomainException(DomainError.Conflict, $"Billing has processed events up to {watermark:O} only; {BusinessCalendar.Key(Date)} closes once it passes {end:O}.");
        }

        var users = await GrainFactory.GetGrain<IUserRegistryGrain>(Singletons.Key).List();
        decimal paidOut = 0;
        var accountsPaid = 0;
        var sync = new Lock();
        // A crash in here is safe: each account pays out once per day whatever happens, so the next attempt adds up the same.
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = PayoutParallelism }, async (user, _) =>
        {
            var payout = await GrainFactory.GetGrain<IAccountGrain>(user.Id).PayOut(Date);
            if (payout.Amount <= 0) return;
            lock (sync)
            {
                paidOut += payout.Amount;
                accountsPaid++;
            }
        });

        var result = await RunCommand(() =>
        {
            if (State.Closed is null) RaiseEvent(new BillingDayClosed(Date, paidOut, accountsPaid));
            return State.Closed!;
        }, DomainSubscriptions.ConsumerAttempts);
        logger.LogInformation("Closed {Date}: paid {PaidOut} to {Accounts} accounts at {Now}", result.Date, result.PaidOut, result.AccountsPaid, time.GetUtcNow());
        return new CloseDayResult(result.Date, result.PaidOut, result.AccountsPaid);
    }
}
