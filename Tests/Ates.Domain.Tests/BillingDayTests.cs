using Ates.Storage.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Ates.Domain.Tests;

public sealed class BillingDayTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly DateOnly Monday = new(2026, 1, 5); // ManualTimeProvider starts at 09:00 UTC that day

    private static async Task<(UserDto Positive, UserDto Negative, UserDto Manager)> EarnAndOweAsync(DomainCluster ates)
    {
        var manager = await ates.UserAsync(Roles.Manager);
        var earner = await ates.UserAsync(Roles.Worker);
        var debtor = await ates.UserAsync(Roles.Worker);
        var tasks = new List<TaskDto>();
        for (var i = 0; i < 12; i++) tasks.Add(await ates.CreateTaskAsync(manager.Id));
        foreach (var t in tasks.Where(t => t.AssigneeId == earner.Id)) await ates.CompleteAsync(t.Id, earner.Id);
        await ates.SettledAsync();
        (await ates.Account(earner.Id).Get()).Balance.ShouldBeGreaterThan(0, "seeded so the earner completes enough");
        (await ates.Account(debtor.Id).Get()).Balance.ShouldBeLessThan(0, "seeded so the debtor has open tasks");
        return (earner, debtor, manager);
    }

    [Fact]
    public async Task At_the_end_of_the_day_positive_balances_are_paid_out_negative_ones_carry_over_and_closing_again_changes_nothing()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        await using var ates = await DomainCluster.StartAsync(clock: time, seed: 3);
        var (earner, debtor, _) = await EarnAndOweAsync(ates);
        var earned = (await ates.Account(earner.Id).Get()).Balance;
        var owed = (await ates.Account(debtor.Id).Get()).Balance;

        (await Should.ThrowAsync<DomainException>(ates.Grains().GetGrain<IBillingDayGrain>("2026-01-05").Close())).Error.ShouldBe(DomainError.Invalid);

        time.Advance(TimeSpan.FromHours(15) + TimeSpan.FromMinutes(2)); // past midnight and one clock check
        await ates.UntilAsync(async () => (await ates.Queries.Day(Monday)).Closed);
        await ates.SettledAsync();

        (await ates.Account(earner.Id).Get()).Balance.ShouldBe(0);
        var payout = (await ates.Account(earner.Id).Log(null, null)).First();
        (payout.Kind, payout.Amount, payout.BalanceAfter).ShouldBe((EntryKinds.Payout, -earned, 0m));
        (await ates.Account(debtor.Id).Get()).Balance.ShouldBe(owed);
        (await ates.Account(debtor.Id).Log(null, null)).ShouldNotContain(e => e.Kind == EntryKinds.Payout);

        var inbox = await ates.Grains().GetGrain<IInboxGrain>(earner.Id).List();
        inbox.First().Kind.ShouldBe(NotificationKinds.Payout);
        inbox.First().Text.ShouldContain($"${earned}");
        (await ates.Grains().GetGrain<IInboxGrain>(debtor.Id).List()).ShouldNotContain(n => n.Kind == NotificationKinds.Payout);

        var day = await ates.Queries.Day(Monday);
        day.Payouts.ShouldBe(earned);
        var entriesBefore = (await ates.Journal.ReadLogAsync(JournalPosition.Start, 100_000)).Count;
        var again = await ates.Grains(1).GetGrain<IBillingDayGrain>("2026-01-05").Close();
        again.ShouldBe(new CloseDayResult(Monday, earned, 1));
        (await ates.Journal.ReadLogAsync(JournalPosition.Start, 100_000)).Count.ShouldBe(entriesBefore);
        (await ates.InvariantsAsync()).Holds.ShouldBeTrue();
        await ates.AuditAsync();
    }

    [Fact]
    public async Task Closing_a_day_after_midnight_pays_what_that_day_left_and_leaves_the_next_days_entries_alone()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        // The clock only closes what ended before the start; this test closes the days itself, as an admin would.
        await using var ates = await DomainCluster.StartAsync(clock: time, seed: 3, domain: o => o.DayCloseCheckPeriod = TimeSpan.FromDays(30));
        var (earner, debtor, manager) = await EarnAndOweAsync(ates);
        var mondayBalance = (await ates.Account(earner.Id).Get()).Balance;
        var debtorMonday = (await ates.Account(debtor.Id).Get()).Balance;
        var clock = ates.Grains().GetGrain<IBillingClockGrain>(Singletons.Key);

        // Tuesday 00:20: more work before anyone closes Monday.
        time.Advance(TimeSpan.FromHours(15) + TimeSpan.FromMinutes(20));
        var tuesday = new List<TaskDto>();
        for (var i = 0; i < 12; i++) tuesday.Add(await ates.CreateTaskAsync(manager.Id));
        foreach (var t in tuesday.Where(t => t.AssigneeId == earner.Id).Take(2)) await ates.CompleteAsync(t.Id, earner.Id);
        await ates.SettledAsync();
        var tuesdayEntries = (await ates.Account(earner.Id).Log(Monday.AddDays(1), Monday.AddDays(1))).ToList();
        tuesdayEntries.ShouldNotBeEmpty("seeded so the earner gets Tuesday work");
        var tuesdayNet = tuesdayEntries.Sum(e => e.Amount);

        var closed = await clock.CloseThrough(Monday);
        closed.ShouldBe(new CloseDayResult(Monday, mondayBalance, 1));
        await ates.SettledAsync();
        var log = await ates.Account(earner.Id).Log(null, null);
        var payout = log.Single(e => e.Kind == EntryKinds.Payout);
        payout.Amount.ShouldBe(-mondayBalance);
        (await ates.Account(earner.Id).Get()).Balance.ShouldBe(tuesdayNet, "what Tuesday added stays, untouched");
        log.Where(e => e.Kind != EntryKinds.Payout && DateOnly.FromDateTime(e.At.UtcDateTime) == Monday.AddDays(1)).ShouldBe(tuesdayEntries.Where(e => e.Kind != EntryKinds.Payout), ignoreOrder: true);
        (await ates.Account(debtor.Id).Log(null, null)).ShouldNotContain(e => e.Kind == EntryKinds.Payout);
        var mondayDay = await ates.Queries.Day(Monday);
        (mondayDay.Closed, mondayDay.Payouts).ShouldBe((true, mondayBalance));
        output.WriteLine($"Monday left the earner {mondayBalance} $ (the debtor {debtorMonday} $); closed at Tuesday 00:20 after {tuesdayEntries.Count} Tuesday entries " +
                         $"({tuesdayNet:+0;-0} $): paid {-payout.Amount} $ to 1 account, balance after {tuesdayNet} $, Tuesday's entries untouched");
        debtorMonday.ShouldBeLessThan(0);

        // Again: the same answer, nothing new in the journal.
        var entriesBefore = (await ates.Journal.ReadLogAsync(JournalPosition.Start, 100_000)).Count;
        (await clock.CloseThrough(Monday)).ShouldBe(closed);
        (await ates.Journal.ReadLogAsync(JournalPosition.Start, 100_000)).Count.ShouldBe(entriesBefore);

        // Days that have not ended, or lie before Ates existed, are refused.
        (await Should.ThrowAsync<DomainException>(clock.CloseThrough(Monday.AddDays(1)))).Error.ShouldBe(DomainError.Invalid);
        (await Should.ThrowAsync<DomainException>(clock.CloseThrough(Monday.AddDays(-1)))).Error.ShouldBe(DomainError.Invalid);
        (await clock.FirstDay()).ShouldBe((DateOnly?)Monday);

        // Thursday: closing Wednesday closes Tuesday first, which pays what Tuesday left.
        time.Advance(TimeSpan.FromDays(2));
        var wednesday = await clock.CloseThrough(Monday.AddDays(2));
        (wednesday.Date, wednesday.PaidOut).ShouldBe((Monday.AddDays(2), 0m));
        var tuesdayClose = await clock.CloseThrough(Monday.AddDays(1));
        tuesdayClose.PaidOut.ShouldBe(Math.Max(0, tuesdayNet) + 0m, "only the earner could have earned on Tuesday in this seed");
        (await clock.ClosedThrough()).ShouldBe(Monday.AddDays(2));
        await ates.SettledAsync();
        (await ates.InvariantsAsync()).Holds.ShouldBeTrue();
        await ates.AuditAsync();
    }

    [Fact]
    public async Task A_balance_asked_at_an_instant_counts_what_that_moment_had_a_payout_from_the_end_of_its_day()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        await using var ates = await DomainCluster.StartAsync(clock: time, seed: 3);
        var beforeAnything = time.GetUtcNow().AddMinutes(-1);
        var (earner, _, manager) = await EarnAndOweAsync(ates);
        var earned = (await ates.Account(earner.Id).Get()).Balance;
        var mondayEvening = time.GetUtcNow().AddHours(1);

        time.Advance(TimeSpan.FromHours(15) + TimeSpan.FromMinutes(2)); // Monday closes and pays the earner
        await ates.UntilAsync(async () => (await ates.Queries.Day(Monday)).Closed);
        time.Advance(TimeSpan.FromHours(1));
        await ates.CreateTaskAsync(manager.Id); // Tuesday's work, after the payout
        await ates.SettledAsync();
        var account = ates.Account(earner.Id);

        (await account.GetAt(beforeAnything)).Balance.ShouldBe(0);
        (await account.GetAt(mondayEvening)).Balance.ShouldBe(earned, "before the payout: what Monday left");
        (await account.LogAt(mondayEvening, null, null)).ShouldNotContain(e => e.Kind == EntryKinds.Payout);
        var justAfterMidnight = new DateTimeOffset(2026, 1, 6, 0, 0, 1, TimeSpan.Zero);
        (await account.GetAt(justAfterMidnight)).Balance.ShouldBe(0, "the payout counts from the end of Monday, though recorded later");
        var log = await account.LogAt(justAfterMidnight, null, null);
        (log[0].Kind, log[0].Amount, log[0].BalanceAfter).ShouldBe((EntryKinds.Payout, -earned, 0m));
        var now = await account.Get();
        (await account.GetAt(time.GetUtcNow())).Balance.ShouldBe(now.Balance);
        (await account.LogAt(time.GetUtcNow(), null, null)).Count.ShouldBe((await account.Log(null, null)).Count);
        await Should.ThrowAsync<DomainException>(account.GetAt(time.GetUtcNow().AddHours(1)));
    }

    [Fact]
    public async Task A_day_that_ended_while_no_silo_ran_is_closed_at_the_next_start()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        var directory = Directory.CreateTempSubdirectory("ates-domain-").FullName;
        decimal earned;
        Guid earnerId;
        await using (var journal = SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = directory }))
        await using (var ates = await DomainCluster.StartAsync(silos: 1, clock: time, seed: 3, journal: journal))
        {
            var (earner, _, _) = await EarnAndOweAsync(ates);
            earnerId = earner.Id;
            earned = (await ates.Account(earner.Id).Get()).Balance;
        }

        time.Advance(TimeSpan.FromDays(2)); // Monday and Tuesday end while nothing runs

        await using var reopened = SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = directory });
        await using var restarted = await DomainCluster.StartAsync(silos: 1, clock: time, seed: 3, journal: reopened);
        await restarted.UntilAsync(async () => await restarted.Grains().GetGrain<IBillingClockGrain>(Singletons.Key).ClosedThrough() == Monday.AddDays(1));
        var monday = await restarted.Queries.Day(Monday);
        (monday.Closed, monday.Payouts).ShouldBe((true, earned));
        (await restarted.Queries.Day(Monday.AddDays(1))).Closed.ShouldBeTrue();
        (await restarted.Account(earnerId).Get()).Balance.ShouldBe(0);
    }

    [Fact]
    public async Task Management_earnings_are_the_days_fees_minus_its_rewards_in_accounting_and_analytics()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        await using var ates = await DomainCluster.StartAsync(clock: time, seed: 9);
        var manager = await ates.UserAsync(Roles.Manager);
        var workers = new[] { await ates.UserAsync(Roles.Worker), await ates.UserAsync(Roles.Worker) };
        var monday = new List<TaskDto>();
        for (var i = 0; i < 10; i++) monday.Add(await ates.CreateTaskAsync(manager.Id));
        foreach (var t in monday.Take(4)) await ates.CompleteAsync(t.Id, t.AssigneeId);

        time.Advance(TimeSpan.FromDays(1)); // Tuesday: completions count there, not on Monday
        foreach (var t in monday.Skip(4).Take(3)) await ates.CompleteAsync(t.Id, t.AssigneeId);
        await ates.SettledAsync();

        var expectedMonday = monday.Sum(t => t.AssignFee) - monday.Take(4).Sum(t => t.Reward);
        var expectedTuesday = -monday.Skip(4).Take(3).Sum(t => t.Reward);
        (await ates.Queries.Summary(Monday)).ManagementEarnings.ShouldBe(expectedMonday);
        (await ates.Queries.Day(Monday)).ManagementEarnings.ShouldBe(expectedMonday);
        (await ates.Queries.Summary(Monday.AddDays(1))).ManagementEarnings.ShouldBe(expectedTuesday);
        (await ates.Queries.Day(Monday.AddDays(1))).ManagementEarnings.ShouldBe(expectedTuesday);

        // Rule 8's per-day history: one Day per date of the range, in order, with the same figures.
        var history = await ates.Queries.Days(Monday, Monday.AddDays(2));
        history.Select(d => (d.Date, d.ManagementEarnings)).ShouldBe([(Monday, expectedMonday), (Monday.AddDays(1), expectedTuesday), (Monday.AddDays(2), 0m)]);
        history[0].AssignFees.ShouldBe(monday.Sum(t => t.AssignFee));
        history[1].Rewards.ShouldBe(monday.Skip(4).Take(3).Sum(t => t.Reward));

        var balances = await Task.WhenAll(workers.Select(w => ates.Account(w.Id).Get()));
        (await ates.Queries.Summary(Monday.AddDays(1))).NegativeBalances.ShouldBe(balances.Count(b => b.Balance < 0));
    }

    [Fact]
    public async Task The_most_expensive_task_is_found_for_a_day_a_week_and_a_month()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        await using var ates = await DomainCluster.StartAsync(clock: time, seed: 21);
        var manager = await ates.UserAsync(Roles.Manager);
        await ates.UserAsync(Roles.Worker);
        var tasks = new List<TaskDto>();
        for (var i = 0; i < 16; i++) tasks.Add(await ates.CreateTaskAsync(manager.Id));

        // Complete tasks on Mon 5 Jan, Wed 7 Jan, Mon 12 Jan and Mon 2 Feb, four a day.
        var days = new[] { Monday, Monday.AddDays(2), Monday.AddDays(7), new DateOnly(2026, 2, 2) };
        var completed = new Dictionary<DateOnly, List<TaskDto>>();
        for (var d = 0; d < days.Length; d++)
        {
            if (d > 0) time.Advance(TimeSpan.FromDays(days[d].DayNumber - days[d - 1].DayNumber));
            completed[days[d]] = [];
            foreach (var t in tasks.Skip(d * 4).Take(4)) completed[days[d]].Add(await ates.CompleteAsync(t.Id, t.AssigneeId));
        }
        await ates.SettledAsync();

        decimal Best(params DateOnly[] on) => on.SelectMany(d => completed[d]).Max(t => t.Reward);
        async Task<decimal?> Found(string period, DateOnly date)
        {
            var (from, to) = BusinessCalendar.Period(period, date);
            return (await ates.Queries.MostExpensive(from, to)).Task?.Reward;
        }

        (await Found("day", days[1])).ShouldBe(Best(days[1]));
        (await Found("week", days[1])).ShouldBe(Best(days[0], days[1]));
        (await Found("week", days[2])).ShouldBe(Best(days[2]));
        (await Found("month", days[0])).ShouldBe(Best(days[0], days[1], days[2]));
        (await Found("month", days[3])).ShouldBe(Best(days[3]));
        (await Found("day", Monday.AddDays(1))).ShouldBeNull();

        var (weekFrom, weekTo) = BusinessCalendar.Period("week", days[1]);
        (weekFrom, weekTo).ShouldBe((Monday, Monday.AddDays(6)));
        var winner = (await ates.Queries.MostExpensive(weekFrom, weekTo)).Task!;
        var expected = completed[days[0]].Concat(completed[days[1]]).OrderByDescending(t => t.Reward).ThenBy(t => t.CompletedAt).ThenBy(t => t.Id).First();
        (winner.Id, winner.Title, winner.CompletedAt).ShouldBe((expected.Id, expected.Title, expected.CompletedAt!.Value));
    }
}
