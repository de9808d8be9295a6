using Ates.Grains.EventSourcing;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;

namespace Ates.Grains;

public sealed class AccountState
{
    public decimal Balance { get; set; }
    public List<LedgerEntryRecorded> Entries { get; set; } = [];

    /// <summary>Source ids already on the ledger: task event ids, and "payout:yyyy-MM-dd".</summary>
    public HashSet<string> Sources { get; set; } = [];
}

/// <summary>
/// Rule 3 and the payout half of rule 6: an account's ledger. Fees and rewards come only from task events through
/// the billing subscription, priced by the event (never recomputed); every entry is idempotent by its source id,
/// so at-least-once delivery moves money exactly once.
/// </summary>
[GrainType("account")]
[ImplicitStreamSubscription(DomainSubscriptions.BillingAccounts, JournalPartitions.TargetMapper)]
public sealed class AccountGrain : SubscriberGrain<AccountState, LedgerEntryRecorded>, IAccountGrain
{
    // A snapshot holds the whole ledger, so it is written after as many new events as it holds: amortised O(1) per event.
    protected override int SnapshotEvery => Math.Max(1000, State.Entries.Count);

    protected override void TransitionState(AccountState state, LedgerEntryRecorded e)
    {
        state.Balance = e.BalanceAfter;
        state.Entries.Add(e);
        state.Sources.Add(e.SourceId);
    }

    protected override void Handle(JournalEvent journalEvent, object decoded)
    {
        var source = journalEvent.EventId.ToString();
        if (State.Sources.Contains(source)) return;
        var at = journalEvent.Metadata.OccurredAt;
        var entry = decoded switch
        {
            TaskAssigned a when a.AssigneeId == this.GetPrimaryKey() =>
                Entry(EntryKinds.AssignFee, -a.AssignFee, a.TaskId, $"Assign fee: {Describe(a.Title, a.JiraId)}", source, at, null),
            TaskCompleted c when c.AssigneeId == this.GetPrimaryKey() =>
                Entry(EntryKinds.Reward, c.Reward, c.TaskId, $"Reward: {Describe(c.Title, c.JiraId)}", source, at, null),
            _ => null,
        };
        if (entry is not null) Raise(entry);
    }

    public async Task<PayoutResult> PayOut(DateOnly date)
    {
        var source = $"payout:{BusinessCalendar.Key(date)}";
        var recorded = false;
        var result = await Decide(() =>
        {
            recorded = false;
            if (State.Sources.Contains(source)) return new PayoutResult(-State.Entries.First(e => e.SourceId == source).Amount);
            var amount = BalanceAtEndOf(date);
            if (amount <= 0) return new PayoutResult(0); // negative balances carry over
            Raise(Entry(EntryKinds.Payout, -amount, null, $"Payout for {BusinessCalendar.Key(date)}", source, Calendar.Now, date));
            recorded = true;
            return new PayoutResult(amount);
        }, attempts: DomainSubscriptions.ConsumerAttempts);
        if (recorded)
        {
            AtesTelemetry.Payouts.Add(1);
            AtesTelemetry.PaidOut.Add((double)result.Amount);
        }
        return result;
    }

    /// <summary>
    /// Rule 6: what the day left. Fees and rewards of that day and before count; a payout counts for the day it
    /// closed, whenever it was recorded; anything later (the next day's work, done before this close) does not.
    /// </summary>
    private decimal BalanceAtEndOf(DateOnly date) => State.Entries
        .Where(e => e.PayoutDate is { } paid ? paid < date : Calendar.DateOf(e.At) <= date)
        .Sum(e => e.Amount);

    public Task<AccountDto> Get()
    {
        var today = Calendar.Today;
        var earnedToday = State.Entries.Where(e => e.Kind != EntryKinds.Payout && Calendar.DateOf(e.At) == today).Sum(e => e.Amount);
        return Task.FromResult(new AccountDto(this.GetPrimaryKey(), State.Balance, earnedToday));
    }

    public Task<IReadOnlyList<EntryDto>> Log(DateOnly? from, DateOnly? to) =>
        from > to ? throw DomainException.Invalid("to", "The range ends before it starts: to is before from.") :
        Task.FromResult<IReadOnlyList<EntryDto>>(State.Entries
            .Where(e => (from is null || Calendar.DateOf(e.At) >= from) && (to is null || Calendar.DateOf(e.At) <= to))
            .Reverse()
            .Select(e => new EntryDto(e.EntryId, e.At, e.Kind, e.Amount, e.BalanceAfter, e.TaskId, e.Description))
            .ToList());

    private LedgerEntryRecorded Entry(string kind, decimal amount, Guid? taskId, string description, string source, DateTimeOffset at, DateOnly? payoutDate) =>
        new(Guid.CreateVersion7(at), this.GetPrimaryKey(), kind, amount, State.Balance + amount, taskId, description, source, at, payoutDate);

    private static string Describe(string title, string? jiraId) => jiraId is null ? title : $"[{jiraId}] {title}";
}
