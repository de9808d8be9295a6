using Ates.Grains;
using Ates.Grains.Interfaces;
using Xunit.Abstractions;

namespace Ates.Domain.Tests;

/// <summary>
/// What a busy account keeps in memory is bounded (the balance, what each day moved it, the newest entries); its whole
/// ledger stays in the journal. Nothing a user asks of it changes for that: the log, the balance, what a day close pays.
/// </summary>
public sealed class LongLedgerTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_account_with_more_entries_than_it_keeps_in_memory_answers_its_whole_log_balance_and_payout_and_an_inbox_shows_its_newest()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        await using var ates = await DomainCluster.StartAsync(silos: 1, clock: clock);
        var manager = await ates.UserAsync(Roles.Manager);
        var worker = await ates.UserAsync(Roles.Worker); // the only one tasks can go to
        var count = AccountGrain.RecentEntries + 150;
        var tasks = new List<TaskDto>();
        for (var i = 0; i < count; i += 50)
        {
            tasks.AddRange(await Task.WhenAll(Enumerable.Range(i, Math.Min(50, count - i)).Select(n => ates.CreateTaskAsync(manager.Id, $"Task {n}"))));
        }
        // A few done, a day later: the next day's entries must not count in the first day's payout.
        await ates.SettledAsync();
        clock.Advance(TimeSpan.FromDays(1));
        foreach (var task in tasks.Take(5)) await ates.CompleteAsync(task.Id, worker.Id);
        await ates.SettledAsync();

        var account = await ates.Account(worker.Id).Get();
        var fees = tasks.Sum(t => t.AssignFee);
        var rewards = tasks.Take(5).Sum(t => t.Reward);
        account.Balance.ShouldBe(rewards - fees);
        account.EarnedToday.ShouldBe(rewards, "today's entries are the five rewards");

        var log = await ates.Account(worker.Id).Log(null, null);
        log.Count.ShouldBe(count + 5, "every entry, the older ones read from the journal");
        log.Select(e => e.At).ShouldBeInOrder(SortDirection.Descending);
        log[0].BalanceAfter.ShouldBe(account.Balance);
        log.Where(e => e.Kind == EntryKinds.AssignFee).Select(e => e.TaskId!.Value).Order().ShouldBe(tasks.Select(t => t.Id).Order());
        var firstDay = BusinessCalendar.ParseKey("2026-03-02");
        (await ates.Account(worker.Id).Log(firstDay, firstDay)).Count.ShouldBe(count);
        (await ates.Account(worker.Id).Log(firstDay.AddDays(1), null)).Count.ShouldBe(5, "a range within the newest entries");

        // The first day left the worker −fees: nothing to pay. A worker with a positive day gets exactly what it left.
        (await ates.Account(worker.Id).PayOut(firstDay)).Amount.ShouldBe(0);

        var inbox = await ates.Grains().GetGrain<IInboxGrain>(worker.Id).List();
        inbox.Count.ShouldBe(InboxGrain.Kept);
        inbox.Select(n => n.At).ShouldBeInOrder(SortDirection.Descending, "the newest first");
        (await ates.InvariantsAsync()).Holds.ShouldBeTrue();
        await ates.AuditAsync();
        output.WriteLine($"{count + 5} ledger entries, {AccountGrain.RecentEntries} kept in memory; inbox shows {inbox.Count}");
    }
}
