using Ates.Grains.EventSourcing;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;
using Microsoft.Extensions.DependencyInjection;

namespace Ates.Grains;

/// <summary>
/// An account as memory keeps it: the balance, what each day moved it (rule 6 pays what a day left), the task events
/// already on the ledger, and the newest entries. The whole ledger is the account's journal stream, read when asked
/// for more than the newest entries: a busy account's ledger grows by an entry per assignment and completion, and
/// keeping all of it in every account's memory (and snapshots) is what made the silo grow without bound.
/// </summary>
public sealed class AccountState
{
    public decimal Balance { get; set; }

    public long EntryCount { get; set; }

    /// <summary>Fees and rewards per business day of the entry.</summary>
    public Dictionary<DateOnly, decimal> NetByDay { get; set; } = [];

    /// <summary>Payouts per day they paid (negative amounts).</summary>
    public Dictionary<DateOnly, decimal> PayoutByDay { get; set; } = [];

    /// <summary>Source events already on the ledger (task.assigned, task.completed), by id.</summary>
    public HashSet<Guid> Sources { get; set; } = [];

    /// <summary>The newest entries, oldest first (at most <see cref="AccountGrain.RecentEntries"/>).</summary>
    public List<LedgerEntryRecorded> Recent { get; set; } = [];
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
    /// <summary>Entries kept in memory for the log's usual questions (today, this week); older ones are read from the journal.</summary>
    public const int RecentEntries = 1000;

    // A snapshot holds the set of source ids, so it is written after as many new events as it holds: amortised O(1) per event.
    protected override int SnapshotEvery => Math.Max(1000, State.Sources.Count);

    protected override void TransitionState(AccountState state, LedgerEntryRecorded e)
    {
        state.Balance = e.BalanceAfter;
        state.EntryCount++;
        if (e.PayoutDate is { } paid) state.PayoutByDay[paid] = state.PayoutByDay.GetValueOrDefault(paid) + e.Amount;
        else
        {
            var day = Calendar.DateOf(e.At);
            state.NetByDay[day] = state.NetByDay.GetValueOrDefault(day) + e.Amount;
            if (Guid.TryParse(e.SourceId, out var source)) state.Sources.Add(source);
        }
        state.Recent.Add(e);
        if (state.Recent.Count > RecentEntries) state.Recent.RemoveRange(0, state.Recent.Count - RecentEntries);
    }

    protected override void Handle(JournalEvent journalEvent, object decoded)
    {
        if (State.Sources.Contains(journalEvent.EventId)) return;
        var source = journalEvent.EventId.ToString();
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
            if (State.PayoutByDay.TryGetValue(date, out var paid)) return new PayoutResult(-paid);
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
    private decimal BalanceAtEndOf(DateOnly date) =>
        State.NetByDay.Where(d => d.Key <= date).Sum(d => d.Value) + State.PayoutByDay.Where(p => p.Key < date).Sum(p => p.Value);

    public Task<AccountDto> Get() =>
        Task.FromResult(new AccountDto(this.GetPrimaryKey(), State.Balance, State.NetByDay.GetValueOrDefault(Calendar.Today)));

    public async Task<IReadOnlyList<EntryDto>> Log(DateOnly? from, DateOnly? to)
    {
        if (from > to) throw DomainException.Invalid("to", "The range ends before it starts: to is before from.");
        // The newest entries answer when they reach back past the range's start; otherwise the journal has the rest.
        var inMemory = State.Recent.Count == State.EntryCount || from is { } start && State.Recent.Count > 0 && Calendar.DateOf(State.Recent[0].At) < start;
        var entries = inMemory ? State.Recent : await WholeLedgerAsync();
        return entries
            .Where(e => (from is null || Calendar.DateOf(e.At) >= from) && (to is null || Calendar.DateOf(e.At) <= to))
            .Reverse()
            .Select(e => new EntryDto(e.EntryId, e.At, e.Kind, e.Amount, e.BalanceAfter, e.TaskId, e.Description))
            .ToList();
    }

    public async Task<AccountDto> GetAt(DateTimeOffset at)
    {
        var counted = await AsOfAsync(at);
        var day = Calendar.DateOf(at);
        var earned = counted.Where(e => e.PayoutDate is null && Calendar.DateOf(e.At) == day).Sum(e => e.Amount);
        return new AccountDto(this.GetPrimaryKey(), counted.Count == 0 ? 0 : counted[^1].BalanceAfter, earned);
    }

    public async Task<IReadOnlyList<EntryDto>> LogAt(DateTimeOffset at, DateOnly? from, DateOnly? to)
    {
        if (from > to) throw DomainException.Invalid("to", "The range ends before it starts: to is before from.");
        return (await AsOfAsync(at))
            .Where(e => (from is null || Calendar.DateOf(e.At) >= from) && (to is null || Calendar.DateOf(e.At) <= to))
            .Reverse()
            .Select(e => new EntryDto(e.EntryId, e.At, e.Kind, e.Amount, e.BalanceAfter, e.TaskId, e.Description))
            .ToList();
    }

    /// <summary>
    /// The ledger as of an instant (rule 6's rule, at any moment): fees and rewards from their task event's time, a payout
    /// from the end of the day it paid; in that order, with the balance after each recomputed.
    /// </summary>
    private async Task<List<LedgerEntryRecorded>> AsOfAsync(DateTimeOffset at)
    {
        if (at > Calendar.Now.AddMinutes(1)) throw DomainException.Invalid("at", "That moment lies in the future; a balance is known up to now.");
        decimal balance = 0;
        return (await CountingOrderAsync())
            .TakeWhile(x => x.CountsFrom <= at)
            .Select(x => x.Entry with { BalanceAfter = balance += x.Entry.Amount })
            .ToList();
    }

    public async Task<IReadOnlyList<decimal>> BalancesAt(IReadOnlyList<DateTimeOffset> moments)
    {
        var ordered = await CountingOrderAsync();
        return moments.Select(at => ordered.TakeWhile(x => x.CountsFrom <= at).Sum(x => x.Entry.Amount)).ToList();
    }

    /// <summary>Every entry in the order it counts: from its task event's time, a payout from the end of the day it paid.</summary>
    private async Task<List<(LedgerEntryRecorded Entry, DateTimeOffset CountsFrom)>> CountingOrderAsync()
    {
        var all = State.Recent.Count == State.EntryCount ? State.Recent : await WholeLedgerAsync();
        return all
            .Select((e, order) => (Entry: e, Order: order, CountsFrom: e.PayoutDate is { } paid ? Calendar.StartOf(paid.AddDays(1)) : e.At))
            .OrderBy(x => x.CountsFrom).ThenBy(x => x.Order)
            .Select(x => (x.Entry, x.CountsFrom))
            .ToList();
    }

    /// <summary>Every entry of the account, oldest first, from its journal stream.</summary>
    private async Task<List<LedgerEntryRecorded>> WholeLedgerAsync()
    {
        var serializer = ServiceProvider.GetRequiredService<IEventSerializer>();
        var entries = new List<LedgerEntryRecorded>((int)Math.Min(State.EntryCount, int.MaxValue));
        const int page = 4096;
        while (true)
        {
            var events = await JournalLog.ReadConfirmedAsync(entries.Count, page);
            foreach (var e in events) entries.Add((LedgerEntryRecorded)serializer.Deserialize(e));
            if (events.Count < page) return entries;
        }
    }

    private LedgerEntryRecorded Entry(string kind, decimal amount, Guid? taskId, string description, string source, DateTimeOffset at, DateOnly? payoutDate) =>
        new(Guid.CreateVersion7(at), this.GetPrimaryKey(), kind, amount, State.Balance + amount, taskId, description, source, at, payoutDate);

    private static string Describe(string title, string? jiraId) => jiraId is null ? title : $"[{jiraId}] {title}";
}
