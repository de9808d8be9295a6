using Ates.Storage.Memory;
using Xunit.Abstractions;

namespace Ates.Domain.Tests;

/// <summary>
/// Orleans keeps one activation per grain, but while membership changes two can briefly exist; then the journal's
/// version check is the guard (docs/design.md "Journaled grains"). Two clusters on one journal are that situation made
/// permanent: every grain has an activation in each, each deciding on its own copy of the state.
/// </summary>
public sealed class VersionConflictTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_command_decided_on_a_stale_copy_meets_a_conflict_is_decided_again_on_the_journals_state_and_applies_once()
    {
        var journal = new InMemoryJournal();
        await using var a = await DomainCluster.StartAsync(silos: 1, journal: journal);
        await using var b = await DomainCluster.StartAsync(silos: 1, journal: journal);
        var manager = await a.UserAsync(Roles.Manager);
        var worker = await a.UserAsync(Roles.Worker);
        var task = await a.CreateTaskAsync(manager.Id);
        task.AssigneeId.ShouldBe(worker.Id);

        // B's activation reads the task now: open. Then A completes it; B's copy does not know.
        (await b.Grains().GetGrain<ITaskGrain>(task.Id).Get())!.Status.ShouldBe(TaskStatuses.Open);
        (await a.CompleteAsync(task.Id, worker.Id)).Status.ShouldBe(TaskStatuses.Done);

        // B decides "complete" on its stale copy; its append at the old version conflicts, it reads the journal and
        // decides again: the task is done, so the command is refused and nothing is written twice.
        var refused = await Should.ThrowAsync<DomainException>(b.Grains().GetGrain<ITaskGrain>(task.Id).Complete(worker.Id));
        refused.Error.ShouldBe(DomainError.Conflict);
        refused.Message.ShouldContain("already done");
        (await b.Grains().GetGrain<ITaskGrain>(task.Id).Get())!.Status.ShouldBe(TaskStatuses.Done);
        (await a.EventsAsync($"task/{task.Id:N}")).Select(e => e.Event).OfType<TaskCompleted>().Count().ShouldBe(1);
    }

    [Fact]
    public async Task Two_activations_of_every_consumer_and_two_day_closes_still_move_each_amount_once()
    {
        var journal = new InMemoryJournal();
        await using var a = await DomainCluster.StartAsync(silos: 1, seed: 5, journal: journal);
        await using var b = await DomainCluster.StartAsync(silos: 1, seed: 6, journal: journal);
        var manager = await a.UserAsync(Roles.Manager);
        var workers = new[] { await a.UserAsync(Roles.Worker), await a.UserAsync(Roles.Worker) };
        var created = new List<TaskDto>();
        // Both clusters' billing subscriptions read every task event: each account has two consumers racing to record it.
        for (var i = 0; i < 40; i++) created.Add(await (i % 2 == 0 ? a : b).CreateTaskAsync(manager.Id));
        foreach (var t in created.Take(25)) await (t.Id.GetHashCode() % 2 == 0 ? a : b).CompleteAsync(t.Id, t.AssigneeId);
        await a.SettledAsync();
        await b.SettledAsync();

        // Both pay out the same account for the same day: one payout.
        var earner = workers.OrderByDescending(w => created.Take(25).Where(t => t.AssigneeId == w.Id).Sum(t => t.Reward)).First();
        var day = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(1)); // a day that counts every entry so far (the calendar is UTC)
        var balance = (await a.Account(earner.Id).Get()).Balance;
        var payouts = await Task.WhenAll(a.Account(earner.Id).PayOut(day), b.Account(earner.Id).PayOut(day));
        payouts.Select(p => p.Amount).ShouldAllBe(amount => amount == Math.Max(0, balance));
        await a.SettledAsync();
        await b.SettledAsync();

        var report = await a.InvariantsAsync();
        output.WriteLine(report.ToString());
        report.Holds.ShouldBeTrue(report.ToString());
        await a.AuditAsync();
        (report.Assignments, report.Completions, report.Payouts).ShouldBe((40, 25, balance > 0 ? 1 : 0));
        foreach (var w in workers)
        {
            var log = await b.Account(w.Id).Log(null, null);
            log.Select(e => e.Id).Distinct().Count().ShouldBe(log.Count);
            (await b.Account(w.Id).Get()).Balance.ShouldBe(log.Sum(e => e.Amount));
        }
    }
}
