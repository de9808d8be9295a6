using Ates.Grains.EventSourcing;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;
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
[ImplicitStreamSubscription(DomainSubscriptions.AccountingDays, JournalPartitions.TargetMapper)]
public sealed class BillingDayGrain(ISubscriptionProgress subscriptions, ILogger<BillingDayGrain> logger) : SubscriberGrain<BillingDayState, object>, IBillingDayGrain
{
    private const int PayoutParallelism = 128;

    private DateOnly Date => BusinessCalendar.ParseKey(this.GetPrimaryKeyString());

    // The dedupe set grows all day; snapshot after as many events as it holds so snapshots stay amortised O(1).
    protected override int SnapshotEvery => Math.Max(1000, State.Counted.Count);

    protected override void TransitionState(BillingDayState state, object e)
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
    }

    protected override void Handle(JournalEvent journalEvent, object decoded)
    {
        if (State.Counted.Contains(journalEvent.EventId) || decoded is not LedgerEntryRecorded entry) return;
        Raise(new BillingDayCounted(journalEvent.EventId, entry.Kind, Math.Abs(entry.Amount)));
    }

    public Task<DayDto> Get() =>
        Task.FromResult(new DayDto(Date, State.AssignFees, State.Rewards, State.AssignFees - State.Rewards, State.Payouts, State.Closed is not null));

    public async Task<CloseDayResult> Close()
    {
        BusinessCalendar.EnsureSupported(Date);
        if (State.Closed is { } done) return new CloseDayResult(done.Date, done.PaidOut, done.AccountsPaid);
        if (!Calendar.HasEnded(Date)) throw DomainException.Invalid("date", $"{BusinessCalendar.Key(Date)} has not ended yet.");
        var end = Calendar.StartOf(Date.AddDays(1));
        var watermark = await subscriptions.EarliestUndeliveredAsync(DomainSubscriptions.Billing) ?? Calendar.Now;
        if (watermark < end)
        {
            throw new DomainException(DomainError.Conflict, $"Billing has processed events up to {watermark:O} only; {BusinessCalendar.Key(Date)} closes once it passes {end:O}.");
        }

        var users = await GrainFactory.GetGrain<IUserRegistryGrain>(Singletons.Key).List();
        decimal paidOut = 0;
        var accountsPaid = 0;
        // A crash in here is safe: each account pays out once per day whatever happens, so the next attempt adds up the same.
        await Concurrently.ForEachAsync(users, PayoutParallelism, async user =>
        {
            var payout = await GrainFactory.GetGrain<IAccountGrain>(user.Id).PayOut(Date);
            if (payout.Amount <= 0) return;
            paidOut += payout.Amount; // the calls' continuations run on this grain, one at a time
            accountsPaid++;
        });

        var result = await Decide(() =>
        {
            if (State.Closed is null) Raise(new BillingDayClosed(Date, paidOut, accountsPaid));
            return State.Closed!;
        }, DomainSubscriptions.ConsumerAttempts);
        logger.LogInformation("Closed {Date}: paid {PaidOut} to {Accounts} accounts at {Now}", result.Date, result.PaidOut, result.AccountsPaid, Calendar.Now);
        return new CloseDayResult(result.Date, result.PaidOut, result.AccountsPaid);
    }
}
