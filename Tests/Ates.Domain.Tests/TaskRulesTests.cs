namespace Ates.Domain.Tests;

public sealed class TaskRulesTests
{
    [Fact]
    public void Prices_are_whole_dollars_uniform_over_their_ranges_with_both_ends_reachable()
    {
        var random = new RandomSource(new Random(20261121));
        const int draws = 42_000;
        var fees = Enumerable.Range(0, draws).Select(_ => Pricing.DrawAssignFee(random)).ToList();
        var rewards = Enumerable.Range(0, draws).Select(_ => Pricing.DrawReward(random)).ToList();

        fees.ShouldAllBe(f => f == decimal.Truncate(f) && f >= 10 && f <= 20);
        rewards.ShouldAllBe(r => r == decimal.Truncate(r) && r >= 20 && r <= 40);
        fees.Distinct().Order().ShouldBe(Enumerable.Range(10, 11).Select(i => (decimal)i));
        rewards.Distinct().Order().ShouldBe(Enumerable.Range(20, 21).Select(i => (decimal)i));

        // Uniformity: a chi-square statistic far below what a biased draw (e.g. an excluded end) produces.
        ChiSquare(fees, 11).ShouldBeLessThan(35.0);   // p ≈ 0.0001 at 10 degrees of freedom
        ChiSquare(rewards, 21).ShouldBeLessThan(52.0); // p ≈ 0.0002 at 20 degrees of freedom
    }

    [Fact]
    public async Task Creating_a_task_whose_id_exists_is_refused_though_the_new_activation_had_not_read_its_stream()
    {
        await using var ates = await DomainCluster.StartAsync(silos: 1);
        var manager = await ates.UserAsync(Roles.Manager);
        await ates.UserAsync(Roles.Worker);
        var task = await ates.CreateTaskAsync(manager.Id, "The first one"); // its activation goes right after its creation

        var again = ates.Grains().GetGrain<ITaskGrain>(task.Id); // a new activation, which does not read the stream to create
        (await Should.ThrowAsync<DomainException>(again.Create(new NewTask("A second one", null, null), manager.Id))).Error.ShouldBe(DomainError.Mismatch);

        (await ates.EventsAsync($"task/{task.Id:N}")).Count.ShouldBe(2, "nothing appended by the refused creation");
        (await again.Get())!.Title.ShouldBe("The first one");
    }

    [Fact]
    public async Task A_creation_retried_with_its_idempotency_key_answers_with_the_first_task_created_and_charged_once_on_any_silo()
    {
        await using var ates = await DomainCluster.StartAsync(silos: 2);
        var manager = await ates.UserAsync(Roles.Manager);
        var other = await ates.UserAsync(Roles.Manager);
        await ates.UserAsync(Roles.Worker);
        var id = IdempotencyKeys.TaskId(manager.Id, "create-42");
        var request = new NewTask("Fix the login page", "UBERPOP-42", null);

        var first = await ates.Grains(0).GetGrain<ITaskGrain>(id).Create(request, manager.Id);
        var retries = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => ates.Grains(i % 2).GetGrain<ITaskGrain>(id).Create(request, manager.Id)));

        retries.ShouldAllBe(t => t.Id == first.Id && t.AssigneeId == first.AssigneeId && t.AssignFee == first.AssignFee);
        await ates.SettledAsync();
        (await ates.EventsAsync($"task/{id:N}")).Count.ShouldBe(2, "created and assigned once");
        (await ates.Account(first.AssigneeId).Log(null, null)).Count(e => e.TaskId == first.Id).ShouldBe(1, "one fee");
        var changed = await Should.ThrowAsync<DomainException>(ates.Grains().GetGrain<ITaskGrain>(id).Create(request with { Title = "Something else" }, manager.Id));
        (changed.Error, changed.Message).ShouldBe((DomainError.Mismatch, "This Idempotency-Key already created the task \"Fix the login page\" with other details; a retry sends the same request, a new task a new key."));
        IdempotencyKeys.TaskId(other.Id, "create-42").ShouldNotBe(id, "keys are per user");
        await ates.AuditAsync();
    }

    private static double ChiSquare(IReadOnlyCollection<decimal> values, int buckets)
    {
        var expected = values.Count / (double)buckets;
        return values.GroupBy(v => v).Sum(g => Math.Pow(g.Count() - expected, 2) / expected);
    }

    [Theory]
    [InlineData("", "title")]
    [InlineData("   ", "title")]
    [InlineData("[UBERPOP-1] Fix it", "title")]
    [InlineData("Fix ]it", "title")]
    public async Task A_task_with_a_bad_title_is_refused_and_nothing_is_written(string title, string field)
    {
        await using var ates = await DomainCluster.StartAsync(silos: 1);
        var worker = await ates.UserAsync(Roles.Worker);
        var id = Guid.NewGuid();
        var error = await Should.ThrowAsync<DomainException>(ates.Grains().GetGrain<ITaskGrain>(id).Create(new NewTask(title, null, null), worker.Id));
        error.Error.ShouldBe(DomainError.Invalid);
        error.Errors!.Keys.ShouldContain(field);
        (await ates.Journal.ReadStreamAsync($"task/{id:N}", 0, 10)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_title_over_200_characters_or_a_malformed_jira_id_is_refused()
    {
        await using var ates = await DomainCluster.StartAsync(silos: 1);
        var worker = await ates.UserAsync(Roles.Worker);
        (await Should.ThrowAsync<DomainException>(ates.CreateTaskAsync(worker.Id, new string('x', 201)))).Errors!.Keys.ShouldBe(["title"]);
        (await Should.ThrowAsync<DomainException>(ates.CreateTaskAsync(worker.Id, "Fine", "not a jira id"))).Errors!.Keys.ShouldBe(["jiraId"]);
        (await ates.CreateTaskAsync(worker.Id, new string('x', 200), "UBERPOP-42")).JiraId.ShouldBe("UBERPOP-42");
    }

    [Fact]
    public async Task With_nobody_assignable_a_task_is_refused_as_a_conflict()
    {
        await using var ates = await DomainCluster.StartAsync();
        var admin = await ates.UserAsync(Roles.Admin);
        await ates.UserAsync(Roles.Manager);
        var error = await Should.ThrowAsync<DomainException>(ates.CreateTaskAsync(admin.Id));
        error.Error.ShouldBe(DomainError.Conflict);
    }

    [Fact]
    public async Task Assignees_are_drawn_from_assignable_users_only_and_every_one_of_them_gets_tasks()
    {
        await using var ates = await DomainCluster.StartAsync(seed: 7);
        var admin = await ates.UserAsync(Roles.Admin);
        var manager = await ates.UserAsync(Roles.Manager);
        var assignable = new[] { await ates.UserAsync(Roles.Worker), await ates.UserAsync(Roles.Worker), await ates.UserAsync(Roles.Accountant) };

        var tasks = new List<TaskDto>();
        for (var i = 0; i < 300; i++) tasks.Add(await ates.CreateTaskAsync(i % 2 == 0 ? admin.Id : manager.Id));

        tasks.Select(t => t.AssigneeId).ShouldAllBe(id => assignable.Any(u => u.Id == id));
        foreach (var user in assignable) tasks.Count(t => t.AssigneeId == user.Id).ShouldBeInRange(60, 140); // 100 expected each
        tasks.ShouldAllBe(t => t.AssignFee >= 10 && t.AssignFee <= 20 && t.Reward >= 20 && t.Reward <= 40);
    }

    [Fact]
    public async Task Only_the_assignee_completes_a_task_and_only_once()
    {
        await using var ates = await DomainCluster.StartAsync();
        var manager = await ates.UserAsync(Roles.Manager);
        var worker = await ates.UserAsync(Roles.Worker);
        var task = await ates.CreateTaskAsync(manager.Id);
        task.AssigneeId.ShouldBe(worker.Id);

        (await Should.ThrowAsync<DomainException>(ates.CompleteAsync(task.Id, manager.Id))).Error.ShouldBe(DomainError.Forbidden);
        var done = await ates.CompleteAsync(task.Id, worker.Id);
        done.Status.ShouldBe(TaskStatuses.Done);
        done.CompletedAt.ShouldNotBeNull();
        (await Should.ThrowAsync<DomainException>(ates.CompleteAsync(task.Id, worker.Id))).Error.ShouldBe(DomainError.Conflict);
        (await Should.ThrowAsync<DomainException>(ates.CompleteAsync(Guid.NewGuid(), worker.Id))).Error.ShouldBe(DomainError.NotFound);

        await ates.SettledAsync();
        var log = await ates.Account(worker.Id).Log(null, null);
        log.Count(e => e.Kind == EntryKinds.Reward).ShouldBe(1);
        log.Single(e => e.Kind == EntryKinds.Reward).Amount.ShouldBe(task.Reward);
        (await ates.Account(worker.Id).Get()).Balance.ShouldBe(task.Reward - task.AssignFee);
    }

    [Fact]
    public async Task The_task_board_lists_by_assignee_and_status_newest_first_in_pages()
    {
        await using var ates = await DomainCluster.StartAsync();
        var manager = await ates.UserAsync(Roles.Manager);
        var worker = await ates.UserAsync(Roles.Worker);
        var created = new List<TaskDto>();
        for (var i = 0; i < 7; i++) created.Add(await ates.CreateTaskAsync(manager.Id, $"Task {i}"));
        await ates.CompleteAsync(created[2].Id, worker.Id);

        // Read-your-writes on any silo: the board reads the log before answering.
        var page1 = await ates.Board(1).List(worker.Id, TaskStatuses.Open, null, 4, null, null);
        page1.Items.Select(t => t.Title).ShouldBe(["Task 6", "Task 5", "Task 4", "Task 3"]);
        var page2 = await ates.Board(0).List(worker.Id, TaskStatuses.Open, null, 4, page1.Next, null);
        page2.Items.Select(t => t.Title).ShouldBe(["Task 1", "Task 0"]);
        page2.Next.ShouldBeNull();
        (await ates.Board().List(null, TaskStatuses.Done, null, 50, null, null)).Items.Single().Id.ShouldBe(created[2].Id);
        (await ates.Board().List(Guid.NewGuid(), null, null, 50, null, null)).Items.ShouldBeEmpty();
        (await Should.ThrowAsync<DomainException>(ates.Board().List(null, "closed", null, 50, null, null))).Error.ShouldBe(DomainError.Invalid);
        (await Should.ThrowAsync<DomainException>(ates.Board().List(null, null, null, 501, null, null))).Error.ShouldBe(DomainError.Invalid);
        (await Should.ThrowAsync<DomainException>(ates.Board().List(null, null, null, 5, "abc", null))).Error.ShouldBe(DomainError.Invalid);
    }
}
