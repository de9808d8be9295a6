using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;

namespace Ates.Grains.Audit;

/// <summary>
/// The books as the task events say they must be (docs/design.md "Proving the books"), compared with the ledger: a fee per
/// assignment at the task's fixed price, a reward per completion, the payouts the closed days imply (rule 6: what the
/// day left, when positive), every entry's balance following from the one before, each account's balance, and every
/// day's accounting and analytics totals.
/// <para>
/// Fed the journal in commit order, one event at a time, then asked to <see cref="Finish"/> with the consumers' views.
/// It keeps per account and per day a few sums, the task events whose entries have not appeared yet, and the ids of
/// those that have (to see an entry recorded twice): its memory grows with accounts, days and task events, never with
/// the journal's pages, which the caller reads and drops.
/// </para>
/// </summary>
public sealed class BooksAudit(BusinessCalendar calendar)
{
    /// <summary>The journal event types the audit decodes; every other type it only counts.</summary>
    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal)
    {
        "task.assigned", "task.completed", "ledger.entry-recorded", "billing-day.closed",
    };

    public const string TaskCreatedType = "task.created";

    private sealed record Expected(string Kind, Guid AccountId, decimal Amount, Guid TaskId, DateOnly Day);

    private sealed class AccountBooks
    {
        public readonly Dictionary<DateOnly, decimal> ExpectedNet = [];
        public readonly Dictionary<DateOnly, decimal> RecordedPayouts = [];
        public readonly HashSet<DateOnly> PayoutsSeen = [];
        public readonly Dictionary<DateOnly, decimal> ExpectedPayouts = [];
        public decimal Running;
        public decimal? LedgerBalance;
        public decimal PendingRecorded;
    }

    private sealed class DayBooks
    {
        public decimal Fees;
        public decimal Rewards;
        public decimal RecordedPayouts;
        public bool BillingPending;
        public bool AccountingPending;
        public bool AnalyticsPending;
    }

    private readonly Dictionary<Guid, Expected> _unmatched = [];
    private readonly HashSet<Guid> _matched = [];
    private readonly HashSet<Guid> _pendingSources = [];
    private readonly Dictionary<Guid, AccountBooks> _accounts = [];
    private readonly SortedDictionary<DateOnly, DayBooks> _days = [];
    private readonly SortedSet<DateOnly> _closedDays = [];
    private readonly List<AuditDifference> _differences = [];
    private DateOnly? _earliestPendingDay;
    private JournalPosition _previous = JournalPosition.Start;

    public long Events { get; private set; }

    public int Tasks { get; private set; }

    /// <summary>Task events billing had not delivered when the audit began: not judged.</summary>
    public long Pending { get; private set; }

    /// <summary>The last event before the first one not judged (the whole log read, when every task event was judged).</summary>
    public JournalPosition CheckedThrough { get; private set; }

    private JournalPosition? _firstPending;

    /// <summary>
    /// One journal event, in commit order. <paramref name="decoded"/> is null for a type outside <see cref="Types"/>.
    /// <paramref name="delivered"/> says, per subscription, whether its checkpoint had passed the event.
    /// </summary>
    public void Read(JournalEvent e, object? decoded, Delivered delivered)
    {
        Events++;
        if (e.Type == TaskCreatedType) Tasks++;
        switch (decoded)
        {
            case TaskAssigned a:
                Expect(e, delivered, EntryKinds.AssignFee, a.AssigneeId, -a.AssignFee, a.TaskId, a.AssignFee);
                break;
            case TaskCompleted c:
                Expect(e, delivered, EntryKinds.Reward, c.AssigneeId, c.Reward, c.TaskId, c.Reward);
                break;
            case LedgerEntryRecorded entry:
                Record(e, entry, delivered);
                break;
            case BillingDayClosed closed:
                _closedDays.Add(closed.Date);
                break;
        }
        if (_firstPending is null) CheckedThrough = e.Position;
        _previous = e.Position;
    }

    private void Expect(JournalEvent e, Delivered delivered, string kind, Guid accountId, decimal amount, Guid taskId, decimal price)
    {
        var day = calendar.DateOf(e.Metadata.OccurredAt);
        var books = Day(day);
        if (!delivered.Analytics) books.AnalyticsPending = true;
        if (kind == EntryKinds.AssignFee) books.Fees += price;
        else books.Rewards += price;
        if (!delivered.Billing)
        {
            // Billing may not have seen it: its entry, if there is one already, counts but is not judged.
            Pending++;
            _pendingSources.Add(e.EventId);
            books.BillingPending = true;
            if (_firstPending is null)
            {
                _firstPending = e.Position;
                CheckedThrough = _previous;
            }
            if (_earliestPendingDay is null || day < _earliestPendingDay) _earliestPendingDay = day;
            return;
        }
        _unmatched[e.EventId] = new Expected(kind, accountId, amount, taskId, day);
        var account = Account(accountId);
        account.ExpectedNet[day] = account.ExpectedNet.GetValueOrDefault(day) + amount;
    }

    private void Record(JournalEvent e, LedgerEntryRecorded entry, Delivered delivered)
    {
        var account = Account(entry.AccountId);
        var countedDay = entry.PayoutDate ?? calendar.DateOf(entry.At);
        if (!delivered.Accounting) Day(countedDay).AccountingPending = true;

        account.Running += entry.Amount;
        if (entry.BalanceAfter != account.Running)
        {
            Add(AuditKinds.BalanceChain, entry.AccountId, entry.TaskId, countedDay, account.Running, entry.BalanceAfter,
                $"The entry \"{entry.Description}\" of {Money(entry.Amount)} says the balance after it is {Money(entry.BalanceAfter)}, " +
                $"but the entries up to it add up to {Money(account.Running)}.");
            account.Running = entry.BalanceAfter; // go on from what the ledger says, so one broken entry is one difference
        }
        account.LedgerBalance = entry.BalanceAfter;

        if (entry.Kind == EntryKinds.Payout)
        {
            var date = entry.PayoutDate ?? countedDay;
            if (!account.PayoutsSeen.Add(date))
                Add(AuditKinds.PayoutTwice, entry.AccountId, null, date, 0, entry.Amount,
                    $"A second payout of {Money(-entry.Amount)} for {BusinessCalendar.Key(date)}; a day pays each account once.");
            account.RecordedPayouts[date] = account.RecordedPayouts.GetValueOrDefault(date) + entry.Amount;
            Day(date).RecordedPayouts -= entry.Amount;
            return;
        }

        if (!Guid.TryParse(entry.SourceId, out var source))
        {
            Add(AuditKinds.EntryWithoutSource, entry.AccountId, entry.TaskId, countedDay, 0, entry.Amount,
                $"The entry \"{entry.Description}\" of {Money(entry.Amount)} names no task event as its source.");
            return;
        }
        if (_matched.Contains(source))
        {
            Add(AuditKinds.EntryTwice, entry.AccountId, entry.TaskId, countedDay, 0, entry.Amount,
                $"The entry \"{entry.Description}\" of {Money(entry.Amount)} is on the ledger a second time for the same task event.");
            return;
        }
        _matched.Add(source);
        if (_pendingSources.Contains(source))
        {
            account.PendingRecorded += entry.Amount;
            return;
        }
        if (!_unmatched.Remove(source, out var expected))
        {
            Add(AuditKinds.EntryWithoutSource, entry.AccountId, entry.TaskId, countedDay, 0, entry.Amount,
                $"The entry \"{entry.Description}\" of {Money(entry.Amount)} comes from no assignment or completion in the journal.");
            return;
        }
        if (expected.AccountId != entry.AccountId)
        {
            Add(AuditKinds.EntryAccount, entry.AccountId, expected.TaskId, expected.Day, 0, entry.Amount,
                $"The {Words(expected.Kind)} of {Money(expected.Amount)} for this task belongs to account {expected.AccountId}, but this account has it.");
            // The rightful account misses it: its balance will say so.
            return;
        }
        if (expected.Amount != entry.Amount)
            Add(AuditKinds.EntryAmount, entry.AccountId, expected.TaskId, expected.Day, expected.Amount, entry.Amount,
                $"The {Words(expected.Kind)} for this task is {Money(entry.Amount)} on the ledger; the task's price makes it {Money(expected.Amount)}.");
    }

    /// <summary>The consumers' views, asked after the journal was read up to its end at the audit's start.</summary>
    public sealed record Views(
        IReadOnlyDictionary<Guid, string> Names,
        IReadOnlyDictionary<Guid, decimal> Balances,
        IReadOnlyDictionary<DateOnly, DayDto> AccountingDays,
        IReadOnlyDictionary<DateOnly, decimal> AnalyticsEarnings,
        IReadOnlySet<Guid> AccountsMovedSince,
        IReadOnlySet<DateOnly> DaysMovedSince);

    /// <summary>The days whose consumers' views the audit should ask for: every day it saw, and the range given.</summary>
    public IEnumerable<DateOnly> DaysToCheck(DateOnly first, DateOnly last)
    {
        var days = new SortedSet<DateOnly>(_days.Keys);
        for (var d = first; d <= last && days.Count < 10_000; d = d.AddDays(1)) days.Add(d);
        return days;
    }

    public IEnumerable<Guid> AccountsToCheck => _accounts.Keys;

    public AuditDto Finish(Views views, DateTimeOffset checkedAt, Func<JournalPosition, string> format)
    {
        foreach (var (source, expected) in _unmatched)
        {
            Add(expected.Kind == EntryKinds.AssignFee ? AuditKinds.FeeMissing : AuditKinds.RewardMissing, expected.AccountId, expected.TaskId, expected.Day,
                expected.Amount, 0, $"The {Words(expected.Kind)} of {Money(expected.Amount)} for this task (event {source}) is not on the ledger.");
        }

        CheckPayouts();
        CheckBalances(views);
        var days = CheckDays(views);

        var named = _differences
            .Select(d => d.AccountId is { } id && views.Names.TryGetValue(id, out var name) ? d with { Name = name } : d)
            .OrderBy(d => d.Date).ThenBy(d => d.Name).ThenBy(d => d.Kind, StringComparer.Ordinal)
            .ToList();
        return new AuditDto(named.Count == 0, format(CheckedThrough), checkedAt, Events, Tasks, _accounts.Count, days, Pending, named);
    }

    /// <summary>Rule 6 per closed day in order, from the expected amounts: what the day left, when positive.</summary>
    private void CheckPayouts()
    {
        var judgedDays = _closedDays.Where(d => _earliestPendingDay is null || d < _earliestPendingDay).ToList();
        foreach (var (accountId, account) in _accounts)
        {
            decimal paidBefore = 0;
            foreach (var day in judgedDays)
            {
                var left = account.ExpectedNet.Where(n => n.Key <= day).Sum(n => n.Value) + paidBefore;
                var payout = left > 0 ? -left : 0m;
                var recorded = account.RecordedPayouts.GetValueOrDefault(day);
                account.ExpectedPayouts[day] = payout;
                paidBefore += payout;
                if (payout == recorded) continue;
                if (recorded == 0)
                    Add(AuditKinds.PayoutMissing, accountId, null, day, payout, 0,
                        $"{BusinessCalendar.Key(day)} is closed and left this account {Money(left)}, but no payout of it is on the ledger.");
                else if (payout == 0)
                    Add(AuditKinds.PayoutUnexpected, accountId, null, day, 0, recorded,
                        $"A payout of {Money(-recorded)} for {BusinessCalendar.Key(day)}, when the day left this account {Money(left)}: nothing to pay.");
                else
                    Add(AuditKinds.PayoutAmount, accountId, null, day, payout, recorded,
                        $"The payout for {BusinessCalendar.Key(day)} is {Money(-recorded)}; the day left this account {Money(left)}.");
            }
        }
    }

    private void CheckBalances(Views views)
    {
        foreach (var (accountId, account) in _accounts)
        {
            // Judged days pay what rule 6 says; payouts of other days (a close in progress) count as recorded.
            var payouts = account.ExpectedPayouts.Values.Sum()
                + account.RecordedPayouts.Where(p => !account.ExpectedPayouts.ContainsKey(p.Key)).Sum(p => p.Value);
            var balance = account.ExpectedNet.Values.Sum() + payouts + account.PendingRecorded;
            var ledger = account.LedgerBalance ?? 0;
            if (ledger != balance)
                Add(AuditKinds.Balance, accountId, null, null, balance, ledger,
                    $"The ledger ends at a balance of {Money(ledger)}; the task events and closed days make it {Money(balance)}.");
            else if (!views.AccountsMovedSince.Contains(accountId) && views.Balances.TryGetValue(accountId, out var shown) && shown != ledger)
                Add(AuditKinds.Balance, accountId, null, null, ledger, shown,
                    $"The account shows a balance of {Money(shown)}; its ledger ends at {Money(ledger)}.");
        }
    }

    private int CheckDays(Views views)
    {
        var payoutsByDay = _accounts.Values.SelectMany(a => a.ExpectedPayouts).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => -g.Sum(p => p.Value));
        var checkedDays = 0;
        foreach (var (date, shown) in views.AccountingDays)
        {
            var books = _days.GetValueOrDefault(date) ?? new DayBooks();
            if (views.DaysMovedSince.Contains(date) || books.BillingPending) continue;
            checkedDays++;
            if (!books.AccountingPending)
            {
                var payouts = payoutsByDay.TryGetValue(date, out var p) ? p : books.RecordedPayouts;
                CompareDay(AuditKinds.AccountingDay, date, "assign fees", books.Fees, shown.AssignFees, "accounting");
                CompareDay(AuditKinds.AccountingDay, date, "rewards", books.Rewards, shown.Rewards, "accounting");
                CompareDay(AuditKinds.AccountingDay, date, "payouts", payouts, shown.Payouts, "accounting");
            }
            if (!books.AnalyticsPending && views.AnalyticsEarnings.TryGetValue(date, out var earnings))
                CompareDay(AuditKinds.AnalyticsDay, date, "management earnings", books.Fees - books.Rewards, earnings, "analytics");
        }
        return checkedDays;
    }

    private void CompareDay(string kind, DateOnly date, string what, decimal expected, decimal shown, string view)
    {
        if (expected == shown) return;
        Add(kind, null, null, date, expected, shown,
            $"The {view} view of {BusinessCalendar.Key(date)} shows {what} of {Money(shown)}; the task events and closed days make them {Money(expected)}.");
    }

    private void Add(string kind, Guid? accountId, Guid? taskId, DateOnly? date, decimal expected, decimal recorded, string detail) =>
        _differences.Add(new AuditDifference(kind, accountId, null, taskId, date, expected, recorded, detail));

    private AccountBooks Account(Guid id)
    {
        if (!_accounts.TryGetValue(id, out var books)) _accounts[id] = books = new AccountBooks();
        return books;
    }

    private DayBooks Day(DateOnly date)
    {
        if (!_days.TryGetValue(date, out var books)) _days[date] = books = new DayBooks();
        return books;
    }

    private static string Words(string kind) => kind == EntryKinds.AssignFee ? "assign fee" : "reward";

    private static string Money(decimal amount) => amount < 0 ? $"-${-amount:0.##}" : $"${amount:0.##}";
}

/// <summary>Whether each subscription the audit compares had delivered an event when the audit began.</summary>
public readonly record struct Delivered(bool Billing, bool Accounting, bool Analytics);
