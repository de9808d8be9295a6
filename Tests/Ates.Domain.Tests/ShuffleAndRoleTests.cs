namespace Ates.Domain.Tests;

public sealed class ShuffleAndRoleTests
{
    [Fact]
    public async Task Shuffle_reassigns_every_open_task_and_charges_each_assignment_again()
    {
        await using var ates = await DomainCluster.StartAsync(seed: 11);
        var manager = await ates.UserAsync(Roles.Manager);
        var workers = new[] { await ates.UserAsync(Roles.Worker), await ates.UserAsync(Roles.Worker), await ates.UserAsync(Roles.Worker) };
        var tasks = new List<TaskDto>();
        for (var i = 0; i < 60; i++) tasks.Add(await ates.CreateTaskAsync(manager.Id));
        var done = tasks.Take(10).ToList();
        foreach (var t in done) await ates.CompleteAsync(t.Id, t.AssigneeId);

        (await ates.Board(1).Shuffle(manager.Id)).ShouldBe(50);

        await ates.SettledAsync();
        foreach (var t in tasks.Skip(10))
        {
            var assignments = (await ates.EventsAsync($"task/{t.Id:N}")).Select(x => x.Event).OfType<TaskAssigned>().ToList();
            assignments.Count.ShouldBe(2);
            assignments[1].Reason.ShouldBe(AssignReasons.Shuffle);
            assignments[1].AssignFee.ShouldBe(t.AssignFee); // the price was fixed at creation
        }
        foreach (var t in done) (await ates.EventsAsync($"task/{t.Id:N}")).Select(x => x.Event).OfType<TaskAssigned>().Count().ShouldBe(1);

        var fees = 0;
        foreach (var w in workers) fees += (await ates.Account(w.Id).Log(null, null)).Count(e => e.Kind == EntryKinds.AssignFee);
        fees.ShouldBe(110); // 60 at creation + 50 at the shuffle
        (await ates.InvariantsAsync()).Holds.ShouldBeTrue();
        await ates.AuditAsync();
    }

    [Fact]
    public async Task A_task_active_with_its_old_assignee_answers_and_decides_on_the_shuffles_assignment()
    {
        await using var ates = await DomainCluster.StartAsync(silos: 1, seed: 3);
        var manager = await ates.UserAsync(Roles.Manager);
        var workers = new[] { await ates.UserAsync(Roles.Worker), await ates.UserAsync(Roles.Worker) };
        var tasks = new List<TaskDto>();
        for (var i = 0; i < 30; i++) tasks.Add(await ates.CreateTaskAsync(manager.Id));
        // Each task's grain is active with what it holds now: its first assignee.
        foreach (var t in tasks) (await ates.Grains().GetGrain<ITaskGrain>(t.Id).Get())!.AssigneeId.ShouldBe(t.AssigneeId);

        (await ates.Board().Shuffle(manager.Id)).ShouldBe(30);

        var moved = 0;
        foreach (var t in tasks)
        {
            var grain = ates.Grains().GetGrain<ITaskGrain>(t.Id);
            var now = (await grain.Get())!;
            var journal = (await ates.EventsAsync($"task/{t.Id:N}")).Select(x => x.Event).OfType<TaskAssigned>().Last();
            now.AssigneeId.ShouldBe(journal.AssigneeId, "the task answers with the shuffle's assignee, not the one it held");
            if (now.AssigneeId == t.AssigneeId) continue;
            moved++;
            // The old assignee may not complete it; the new one may.
            (await Should.ThrowAsync<DomainException>(grain.Complete(t.AssigneeId))).Error.ShouldBe(DomainError.Forbidden);
            (await grain.Complete(now.AssigneeId)).Status.ShouldBe(TaskStatuses.Done);
        }
        moved.ShouldBeGreaterThan(5, "with two workers about half the tasks change hands");
        await ates.SettledAsync();
        (await ates.InvariantsAsync()).Holds.ShouldBeTrue();
        await ates.AuditAsync();
    }

    [Fact]
    public async Task Shuffle_can_repeat_and_lands_on_every_assignable_user()
    {
        await using var ates = await DomainCluster.StartAsync(seed: 5);
        var admin = await ates.UserAsync(Roles.Admin);
        var workers = new[] { await ates.UserAsync(Roles.Worker), await ates.UserAsync(Roles.Worker) };
        for (var i = 0; i < 40; i++) await ates.CreateTaskAsync(admin.Id);
        for (var round = 0; round < 3; round++) (await ates.Board().Shuffle(admin.Id)).ShouldBe(40);

        var open = (await ates.Board().List(null, TaskStatuses.Open, null, 500, null, null)).Items;
        foreach (var w in workers) open.Count(t => t.AssigneeId == w.Id).ShouldBeGreaterThan(5);
    }

    [Theory]
    [InlineData(Roles.Worker)]
    [InlineData(Roles.Accountant)]
    public async Task Only_managers_and_admins_may_shuffle(string role)
    {
        await using var ates = await DomainCluster.StartAsync();
        var user = await ates.UserAsync(role);
        await ates.CreateTaskAsync(user.Id);
        (await Should.ThrowAsync<DomainException>(ates.Board().Shuffle(user.Id))).Error.ShouldBe(DomainError.Forbidden);
    }

    [Fact]
    public async Task A_role_change_holds_for_later_assignments_on_every_silo_and_leaves_open_tasks_in_place()
    {
        await using var ates = await DomainCluster.StartAsync();
        var admin = await ates.UserAsync(Roles.Admin);
        var promoted = await ates.UserAsync(Roles.Worker);
        var before = new List<TaskDto>();
        for (var i = 0; i < 5; i++) before.Add(await ates.CreateTaskAsync(admin.Id, silo: 1)); // silo 1 has the registry active now
        before.ShouldAllBe(t => t.AssigneeId == promoted.Id);
        var other = await ates.UserAsync(Roles.Worker);

        (await ates.Registry(0).ChangeRole(promoted.Id, Roles.Manager)).Role.ShouldBe(Roles.Manager);

        for (var i = 0; i < 30; i++) (await ates.CreateTaskAsync(admin.Id, silo: 1)).AssigneeId.ShouldBe(other.Id);
        foreach (var t in before) (await ates.Grains(1).GetGrain<ITaskGrain>(t.Id).Get())!.AssigneeId.ShouldBe(promoted.Id);

        await ates.Board(1).Shuffle(admin.Id);
        (await ates.Board(0).List(promoted.Id, TaskStatuses.Open, null, 50, null, null)).Items.ShouldBeEmpty();
    }

    [Fact]
    public async Task Registry_refuses_duplicate_emails_unknown_roles_and_bad_addresses()
    {
        await using var ates = await DomainCluster.StartAsync();
        await ates.Registry(0).Register("Dup@ates.test", "One", Roles.Worker, "h");
        (await Should.ThrowAsync<DomainException>(ates.Registry(1).Register("dup@ates.test", "Two", Roles.Worker, "h"))).Error.ShouldBe(DomainError.Conflict);
        (await Should.ThrowAsync<DomainException>(ates.Registry().Register("x@ates.test", "X", "boss", "h"))).Errors!.Keys.ShouldBe(["role"]);
        (await Should.ThrowAsync<DomainException>(ates.Registry().Register("not-an-email", "X", Roles.Worker, "h"))).Errors!.Keys.ShouldBe(["email"]);
        (await Should.ThrowAsync<DomainException>(ates.Registry().ChangeRole(Guid.NewGuid(), Roles.Worker))).Error.ShouldBe(DomainError.NotFound);
        (await ates.Registry(1).FindByEmail("DUP@ates.test"))!.User.Name.ShouldBe("One");
    }
}
