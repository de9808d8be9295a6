using Microsoft.Extensions.Time.Testing;

namespace Ates.Domain.Tests;

/// <summary>The task list as people use it: sorted by fee or reward, with how many match, paged without gaps or repeats.</summary>
public sealed class TaskListingTests
{
    [Fact]
    public async Task Sorting_by_fee_or_reward_pages_through_every_match_once_highest_first_and_says_how_many_match()
    {
        await using var ates = await DomainCluster.StartAsync(silos: 1, seed: 11);
        var manager = await ates.UserAsync(Roles.Manager);
        var worker = await ates.UserAsync(Roles.Worker);
        var created = new List<TaskDto>();
        for (var i = 0; i < 23; i++) created.Add(await ates.CreateTaskAsync(manager.Id, $"Sortable {i}"));
        await ates.CreateTaskAsync(manager.Id, "Something else");
        foreach (var t in created.Take(5).Where(t => t.AssigneeId == worker.Id)) await ates.CompleteAsync(t.Id, worker.Id);
        await ates.SettledAsync();

        foreach (var (sort, rank) in new (string, Func<TaskDto, decimal>)[] { (TaskSorts.Fee, t => t.AssignFee), (TaskSorts.Reward, t => t.Reward) })
        {
            var seen = new List<TaskDto>();
            string? after = null;
            do
            {
                var page = await ates.Board().List(null, null, "sortable", 4, after, sort);
                page.Total.ShouldBe(23, "the total counts every match, not the page");
                seen.AddRange(page.Items);
                after = page.Next;
            } while (after is not null);

            seen.Select(t => t.Id).ShouldBe(created.Select(t => t.Id), ignoreOrder: true, $"sorted by {sort}, each task once");
            var expected = seen.OrderByDescending(rank).ThenByDescending(t => t.CreatedAt).Select(t => t.Id);
            seen.Select(t => t.Id).ShouldBe(expected, $"highest {sort} first, newest first on a tie");
            seen.Select(rank).ShouldBe(created.Select(rank).OrderDescending());
        }

        var newest = await ates.Board().List(null, null, "sortable", 50, null, TaskSorts.Newest);
        newest.Items.Select(t => t.Id).ShouldBe(created.Select(t => t.Id).Reverse());
        var mine = await ates.Board().List(worker.Id, TaskStatuses.Done, null, 50, null, TaskSorts.Reward);
        mine.Total.ShouldBe(mine.Items.Count);
        mine.Items.ShouldAllBe(t => t.Status == TaskStatuses.Done && t.AssigneeId == worker.Id);

        var wrongSort = await Should.ThrowAsync<DomainException>(ates.Board().List(null, null, null, 5, null, "price"));
        wrongSort.Errors!.Keys.ShouldBe(["sort"]);
        var page1 = await ates.Board().List(null, null, null, 5, null, TaskSorts.Fee);
        (await Should.ThrowAsync<DomainException>(ates.Board().List(null, null, null, 5, page1.Next, TaskSorts.Newest))).Errors!.Keys.ShouldBe(["after"]);
    }

    [Fact]
    public async Task A_title_or_name_of_only_invisible_characters_is_refused_by_name()
    {
        await using var ates = await DomainCluster.StartAsync(silos: 1);
        var manager = await ates.UserAsync(Roles.Manager);
        await ates.UserAsync(Roles.Worker);
        foreach (var title in new[] { "\u200B\u200B\u200B", "\u200B \u2060\uFEFF", "\u3164" })
        {
            var refused = await Should.ThrowAsync<DomainException>(ates.CreateTaskAsync(manager.Id, title));
            refused.Error.ShouldBe(DomainError.Invalid);
            refused.Errors!["title"].Single().ShouldContain("no visible characters");
        }
        (await ates.CreateTaskAsync(manager.Id, "\u200BFix the login page")).Title.ShouldBe("\u200BFix the login page");

        var bad = await Should.ThrowAsync<DomainException>(ates.Registry().Register("zw@ates.test", "\u200B", Roles.Worker, "hash"));
        bad.Errors!.Keys.ShouldBe(["name"]);
    }

    [Fact]
    public async Task An_admin_corrects_a_name_and_email_and_the_user_signs_in_with_the_new_email_only()
    {
        await using var ates = await DomainCluster.StartAsync(silos: 1);
        var worker = await ates.UserAsync(Roles.Worker, "Wrokr");
        var other = await ates.UserAsync(Roles.Worker);

        var edited = await ates.Registry().EditDetails(worker.Id, " Worker Seven ", "seven@ates.test");
        (edited.Name, edited.Email).ShouldBe(("Worker Seven", "seven@ates.test"));
        (await ates.Registry().FindByEmail("SEVEN@ates.test"))!.User.Id.ShouldBe(worker.Id);
        (await ates.Registry().FindByEmail(worker.Email)).ShouldBeNull("the old email no longer signs in");
        (await ates.Registry().EditDetails(worker.Id, "Just the name", null)).Email.ShouldBe("seven@ates.test");

        (await Should.ThrowAsync<DomainException>(ates.Registry().EditDetails(worker.Id, null, other.Email.ToUpperInvariant()))).Error.ShouldBe(DomainError.Conflict);
        var invalid = await Should.ThrowAsync<DomainException>(ates.Registry().EditDetails(worker.Id, "", "not an email"));
        invalid.Errors!.Keys.Order().ShouldBe(["email", "name"]);
        (await Should.ThrowAsync<DomainException>(ates.Registry().EditDetails(Guid.NewGuid(), "Nobody", null))).Error.ShouldBe(DomainError.NotFound);
        (await ates.Registry().Get(worker.Id))!.Name.ShouldBe("Just the name", "a refused edit changes nothing");
    }

    [Fact]
    public async Task The_count_of_people_below_zero_is_per_day_end_by_the_day_close_rule()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        await using var ates = await DomainCluster.StartAsync(silos: 1, clock: time, seed: 3, domain: o => o.DayCloseCheckPeriod = TimeSpan.FromDays(30));
        var manager = await ates.UserAsync(Roles.Manager);
        var workers = new[] { await ates.UserAsync(Roles.Worker), await ates.UserAsync(Roles.Worker) };
        var monday = new DateOnly(2026, 1, 5);
        var tasks = new List<TaskDto>();
        for (var i = 0; i < 6; i++) tasks.Add(await ates.CreateTaskAsync(manager.Id));
        await ates.SettledAsync();
        var belowMonday = workers.Count(w => tasks.Any(t => t.AssigneeId == w.Id));

        time.Advance(TimeSpan.FromDays(1)); // Tuesday: every task is completed, so nobody ends the day below zero
        foreach (var t in tasks) await ates.CompleteAsync(t.Id, t.AssigneeId);
        await ates.SettledAsync();

        var counts = await ates.Queries.NegativeBalances(monday.AddDays(-3), monday.AddDays(5));
        counts.Select(c => c.Date).ShouldBe([monday, monday.AddDays(1)], "from the first business day up to today");
        counts[0].People.ShouldBe(belowMonday);
        counts[1].People.ShouldBe(0);
        (await Should.ThrowAsync<DomainException>(ates.Queries.NegativeBalances(monday, monday.AddDays(-1)))).Errors!.Keys.ShouldBe(["to"]);
    }
}
