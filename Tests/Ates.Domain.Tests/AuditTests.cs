using Ates.Grains.Audit;
using Ates.Grains.Interfaces.Events;
using Ates.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Ates.Domain.Tests;

/// <summary>The audit of the books (docs/design.md "Proving the books"): ok on books kept by Ates, and naming what was tampered with.</summary>
public sealed class AuditTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly DateOnly Monday = new(2026, 1, 5);

    [Fact]
    public async Task Books_kept_through_assignments_completions_a_shuffle_and_a_day_close_pass_the_audit_and_an_edited_ledger_amount_is_named()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        var directory = Directory.CreateTempSubdirectory("ates-audit-").FullName;
        try
        {
            await using var journal = SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = directory });
            await using var ates = await DomainCluster.StartAsync(clock: time, seed: 5, journal: journal);
            var manager = await ates.UserAsync(Roles.Manager);
            var workers = new[] { await ates.UserAsync(Roles.Worker, "Audit Worker A"), await ates.UserAsync(Roles.Worker, "Audit Worker B") };
            var tasks = new List<TaskDto>();
            for (var i = 0; i < 12; i++) tasks.Add(await ates.CreateTaskAsync(manager.Id));
            var earner = tasks.GroupBy(t => t.AssigneeId).MaxBy(g => g.Count())!.Key;
            foreach (var t in tasks.Where(t => t.AssigneeId == earner)) await ates.CompleteAsync(t.Id, t.AssigneeId); // rewards beat fees: Monday pays them
            await ates.SettledAsync();
            time.Advance(TimeSpan.FromHours(15) + TimeSpan.FromMinutes(2)); // Monday closes
            await ates.UntilAsync(async () => (await ates.Queries.Day(Monday)).Closed);
            await ates.Board().Shuffle(manager.Id); // Tuesday's work, after the close
            await ates.SettledAsync();

            var audit = await ates.Grains().GetGrain<IBooksAuditGrain>(Singletons.Key).Check();

            audit.Differences.ShouldBeEmpty();
            audit.Ok.ShouldBeTrue();
            audit.Pending.ShouldBe(0);
            audit.Tasks.ShouldBe(12);
            audit.Accounts.ShouldBe(workers.Length);
            audit.Days.ShouldBeGreaterThanOrEqualTo(2);
            audit.Events.ShouldBe((await journal.ReadLogAsync(JournalPosition.Start, 100_000)).Count);
            audit.CheckedThrough.ShouldBe((await journal.ReadHeadAsync()).ToString());
            var payouts = (await ates.Queries.Day(Monday)).Payouts;
            payouts.ShouldBeGreaterThan(0, "seeded so Monday pays someone: the audit judged a payout");

            // An accountant's nightmare: one fee on the ledger, edited in the database.
            var fee = (await journal.ReadLogAsync(JournalPosition.Start, 100_000))
                .Where(e => e.Type == "ledger.entry-recorded")
                .Select(e => (Recorded: e, Entry: (LedgerEntryRecorded)ates.Serializer.Deserialize(e)))
                .First(x => x.Entry.Kind == EntryKinds.AssignFee);
            await using (var db = new SqliteConnection($"Data Source={Path.Combine(directory, SqliteJournal.FileName)}"))
            {
                await db.OpenAsync();
                var edit = db.CreateCommand();
                edit.CommandText = "update events set data = cast(json_set(cast(data as text), '$.amount', $amount) as blob) where event_id = $id";
                edit.Parameters.AddWithValue("$amount", (double)(fee.Entry.Amount - 5));
                edit.Parameters.AddWithValue("$id", fee.Recorded.EventId);
                (await edit.ExecuteNonQueryAsync()).ShouldBe(1);
            }

            var tampered = await ates.Grains().GetGrain<IBooksAuditGrain>(Singletons.Key).Check();

            foreach (var d in tampered.Differences) output.WriteLine($"{d.Kind}: {d.Name} ({d.AccountId}), task {d.TaskId}, {d.Date}: expected {d.Expected}, recorded {d.Recorded}. {d.Detail}");
            tampered.Ok.ShouldBeFalse();
            var owner = workers.Single(w => w.Id == fee.Entry.AccountId);
            var amount = tampered.Differences.Where(d => d.Kind == AuditKinds.EntryAmount).ShouldHaveSingleItem();
            (amount.AccountId, amount.Name, amount.TaskId, amount.Expected, amount.Recorded)
                .ShouldBe((owner.Id, owner.Name, fee.Entry.TaskId, fee.Entry.Amount, fee.Entry.Amount - 5));
            amount.Detail.ShouldContain("assign fee");
            tampered.Differences.ShouldContain(d => d.Kind == AuditKinds.BalanceChain && d.AccountId == owner.Id);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
        }
    }
}

/// <summary><see cref="BooksAudit"/> on journals written by hand: each way the books can go wrong, in words.</summary>
public sealed class BooksAuditRulesTests
{
    private static readonly BusinessCalendar Calendar = new(TimeZoneInfo.Utc, new FakeTimeProvider(new DateTimeOffset(2026, 1, 6, 12, 0, 0, TimeSpan.Zero)));
    private static readonly DateTimeOffset MondayNoon = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Ann = Guid.NewGuid();
    private static readonly Guid Bob = Guid.NewGuid();
    private static readonly Delivered Everywhere = new(true, true, true);

    private long _tx;
    private readonly BooksAudit _audit = new(Calendar);
    private readonly Dictionary<Guid, decimal> _balances = [];

    private JournalEvent Read(object decoded, Delivered? delivered = null, DateTimeOffset? at = null, Guid? id = null)
    {
        var e = new JournalEvent(id ?? Guid.NewGuid(), "s/x", 1, new JournalPosition(++_tx, 0), decoded switch
        {
            TaskAssigned => "task.assigned",
            TaskCompleted => "task.completed",
            LedgerEntryRecorded => "ledger.entry-recorded",
            BillingDayClosed => "billing-day.closed",
            _ => "task.created",
        }, 1, [], new EventMetadata(at ?? MondayNoon, null, null, null, null));
        _audit.Read(e, decoded is TaskCreated ? null : decoded, delivered ?? Everywhere);
        return e;
    }

    private JournalEvent Assign(Guid task, Guid to, decimal fee, Delivered? delivered = null) =>
        Read(new TaskAssigned(task, to, null, fee, AssignReasons.Created, null, "A task", null), delivered);

    private void Entry(Guid account, string kind, decimal amount, JournalEvent? source, Guid? task = null, DateOnly? payoutDate = null)
    {
        var balance = _balances.GetValueOrDefault(account) + amount;
        _balances[account] = balance;
        Read(new LedgerEntryRecorded(Guid.NewGuid(), account, kind, amount, balance, task, $"{kind} {amount}", source?.EventId.ToString() ?? $"payout:{payoutDate}", MondayNoon, payoutDate));
    }

    private AuditDto Finish(Dictionary<DateOnly, DayDto>? days = null) => _audit.Finish(new BooksAudit.Views(
        new Dictionary<Guid, string> { [Ann] = "Ann", [Bob] = "Bob" }, _balances, days ?? [], new Dictionary<DateOnly, decimal>(), new HashSet<Guid>(), new HashSet<DateOnly>()),
        MondayNoon, p => p.ToString());

    [Fact]
    public void A_fee_that_never_reached_the_ledger_is_named_with_its_account_and_task()
    {
        var task = Guid.NewGuid();
        Assign(task, Ann, 15);

        var audit = Finish();

        var missing = audit.Differences.Where(d => d.Kind == AuditKinds.FeeMissing).ShouldHaveSingleItem();
        (missing.AccountId, missing.Name, missing.TaskId, missing.Expected, missing.Recorded).ShouldBe((Ann, "Ann", task, -15m, 0m));
        missing.Detail.ShouldContain("not on the ledger");
        audit.Ok.ShouldBeFalse();
    }

    [Fact]
    public void A_fee_charged_twice_for_one_assignment_is_named()
    {
        var task = Guid.NewGuid();
        var assigned = Assign(task, Ann, 15);
        Entry(Ann, EntryKinds.AssignFee, -15, assigned, task);
        Entry(Ann, EntryKinds.AssignFee, -15, assigned, task);

        var audit = Finish();

        audit.Differences.ShouldContain(d => d.Kind == AuditKinds.EntryTwice && d.AccountId == Ann && d.TaskId == task);
        audit.Differences.ShouldContain(d => d.Kind == AuditKinds.Balance && d.AccountId == Ann && d.Expected == -15 && d.Recorded == -30);
    }

    [Fact]
    public void A_fee_on_the_wrong_account_is_named_on_both()
    {
        var task = Guid.NewGuid();
        var assigned = Assign(task, Ann, 15);
        Entry(Bob, EntryKinds.AssignFee, -15, assigned, task);

        var audit = Finish();

        audit.Differences.ShouldContain(d => d.Kind == AuditKinds.EntryAccount && d.AccountId == Bob && d.Name == "Bob");
        audit.Differences.ShouldContain(d => d.Kind == AuditKinds.Balance && d.AccountId == Ann);
    }

    [Fact]
    public void Events_billing_has_not_delivered_are_pending_not_differences_and_the_audit_is_whole_only_up_to_the_first()
    {
        var first = Assign(Guid.NewGuid(), Ann, 15);
        Entry(Ann, EntryKinds.AssignFee, -15, first);
        var judgedEnd = _tx;
        Assign(Guid.NewGuid(), Ann, 12, new Delivered(false, true, true));
        Assign(Guid.NewGuid(), Bob, 11, new Delivered(false, true, true));

        var audit = Finish();

        audit.Differences.ShouldBeEmpty();
        (audit.Ok, audit.Pending).ShouldBe((true, 2L));
        audit.CheckedThrough.ShouldBe(new JournalPosition(judgedEnd, 0).ToString());
    }

    [Fact]
    public void A_closed_day_pays_what_it_left_each_account_and_a_missing_or_wrong_payout_is_named()
    {
        var monday = new DateOnly(2026, 1, 5);
        var task = Guid.NewGuid();
        var assigned = Assign(task, Ann, 10);
        Entry(Ann, EntryKinds.AssignFee, -10, assigned, task);
        var completed = Read(new TaskCompleted(task, Ann, 30, "A task", null));
        Entry(Ann, EntryKinds.Reward, 30, completed, task);
        var bobs = Guid.NewGuid();
        var bobAssigned = Assign(bobs, Bob, 5);
        Entry(Bob, EntryKinds.AssignFee, -5, bobAssigned, bobs);
        var bobDone = Read(new TaskCompleted(bobs, Bob, 25, "Another", null));
        Entry(Bob, EntryKinds.Reward, 25, bobDone, bobs);
        Entry(Ann, EntryKinds.Payout, -15, null, payoutDate: monday); // Monday left Ann 20
        Read(new BillingDayClosed(monday, 15, 1));                    // and Bob's 20 was never paid

        var audit = Finish(new Dictionary<DateOnly, DayDto> { [monday] = new(monday, 15, 55, -40, 15, true) });

        var wrong = audit.Differences.Where(d => d.Kind == AuditKinds.PayoutAmount).ShouldHaveSingleItem();
        (wrong.AccountId, wrong.Date, wrong.Expected, wrong.Recorded).ShouldBe((Ann, monday, -20m, -15m));
        var missing = audit.Differences.Where(d => d.Kind == AuditKinds.PayoutMissing).ShouldHaveSingleItem();
        (missing.AccountId, missing.Name, missing.Expected).ShouldBe((Bob, "Bob", -20m));
        var day = audit.Differences.Where(d => d.Kind == AuditKinds.AccountingDay).ShouldHaveSingleItem();
        (day.Date, day.Expected, day.Recorded).ShouldBe((monday, 40m, 15m));
        day.Detail.ShouldContain("payouts");
    }

    [Fact]
    public void Books_that_agree_pass()
    {
        var task = Guid.NewGuid();
        Read(new TaskCreated(task, "A task", null, null, 10, 30, Bob));
        var assigned = Assign(task, Ann, 10);
        Entry(Ann, EntryKinds.AssignFee, -10, assigned, task);

        var audit = Finish();

        (audit.Ok, audit.Tasks, audit.Events, audit.Accounts, audit.Pending).ShouldBe((true, 1, 3L, 1, 0L));
    }
}
