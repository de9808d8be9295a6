using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ates.Browser.Tests;

/// <summary>Tasks as people expect them: a page and a link per task, a total, sorting, filters kept in the address, one's done tasks.</summary>
[Collection(DemoSiteCollection.Name)]
public sealed class TaskPagesTests(DemoSite site) : DemoSiteTest(site)
{
    [Theory]
    [InlineData(1280)]
    [InlineData(375)]
    public async Task The_list_counts_sorts_keeps_its_filters_in_the_address_and_each_task_has_a_page_with_its_history(int width)
    {
        var manager = await Site.SignInAsync("manager");
        var word = $"Lantern{width}x{Guid.NewGuid():N}"[..20];
        foreach (var what in new[] { "alpha", "beta", "gamma" }) await manager.CreateTaskAsync($"{word} {what}");

        var page = await OpenAsync("manager", width);
        await page.GotoAsync($"{Site.BaseUrl}/#/tasks?q={word}&sort=fee");
        await Expect(page.Locator("#filter-q")).ToHaveValueAsync(word);
        await Expect(page.Locator("#filter-sort")).ToHaveValueAsync("fee");
        await Expect(page.Locator("#tasks-summary")).ToHaveTextAsync("3 tasks, highest fee first.");
        await Expect(page.Locator("#all-tasks li")).ToHaveCountAsync(3);
        (await ListedAsync(page)).ShouldBe(await OrderAsync(manager, word, "fee"));

        // Another order: the address follows, and a reload keeps both the search and the order.
        await page.Locator("#filter-sort").SelectOptionAsync("reward");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("sort=reward"));
        page.Url.ShouldContain($"q={word}");
        await page.ReloadAsync();
        await Expect(page.Locator("#filter-sort")).ToHaveValueAsync("reward");
        await Expect(page.Locator("#filter-q")).ToHaveValueAsync(word);
        await Expect(page.Locator("#tasks-summary")).ToHaveTextAsync("3 tasks, highest reward first.");
        (await ListedAsync(page)).ShouldBe(await OrderAsync(manager, word, "reward"));
        await ShotAsync(page, "tasks-count-sort-filters", width);

        // A task's page: its own link, what it is, who has it, its history; back to the list as it was filtered.
        var first = page.Locator("#all-tasks li a.title").First;
        var label = await first.TextContentAsync();
        await first.ClickAsync();
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/tasks/[0-9a-f-]{36}$"));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = label!, Exact = true })).ToBeVisibleAsync();
        await Expect(page.Locator("#task-facts")).ToContainTextAsync("Assign fee");
        await Expect(page.Locator("#task-facts")).ToContainTextAsync("Reward");
        await Expect(page.Locator("#task-page-history li").First).ToContainTextAsync("Created");
        await Expect(page.Locator("#task-page-history li").Nth(1)).ToContainTextAsync("Assigned to");
        await ShotAsync(page, "task-page", width);
        if (width < 600) await FitsTheWindowAsync(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "← All tasks" }).ClickAsync();
        await Expect(page.Locator("#filter-sort")).ToHaveValueAsync("reward");
        await Expect(page.Locator("#all-tasks li")).ToHaveCountAsync(3);
    }

    [Fact]
    public async Task A_task_link_opened_signed_out_shows_the_task_after_signing_in()
    {
        var manager = await Site.SignInAsync("manager");
        var task = await manager.CreateTaskAsync($"Linked errand {Guid.NewGuid():N}"[..24]);
        await using var context = await Chrome.NewContextAsync(new() { ViewportSize = new() { Width = 375, Height = 800 } });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{Site.BaseUrl}/#/tasks/{task.Id}");
        await Expect(page.Locator("#signin")).ToBeVisibleAsync();
        await page.Locator("#signin-form").GetByLabel("Email").FillAsync("manager@ates.local");
        await page.Locator("#signin-form").GetByLabel("Password").FillAsync("manager");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = task.Label, Exact = true })).ToBeVisibleAsync();
        page.Url.ShouldEndWith($"#/tasks/{task.Id}");
        await ShotAsync(page, "task-link-after-sign-in-375");

        await page.GotoAsync($"{Site.BaseUrl}/#/tasks/{Guid.NewGuid()}");
        await Expect(page.Locator("#task-page-error")).ToContainTextAsync("There is no task at this link");
    }

    [Theory]
    [InlineData(1280)]
    [InlineData(375)]
    public async Task A_worker_finds_their_done_tasks(int width)
    {
        var admin = await Site.AdminAsync();
        var worker2 = await admin.UserAsync("worker2@ates.local");
        var task = await admin.CreateTaskForAsync(worker2.Id, $"Done and dusted {width}");
        await (await Site.SignInAsync("worker2")).CompleteAsync(task.Id);

        var page = await OpenAsync("worker2", width);
        await page.GetByRole(AriaRole.Button, new() { Name = "Tasks", Exact = true }).ClickAsync();
        await page.GetByLabel("Assignee").SelectOptionAsync("me");
        await page.GetByLabel("Status").SelectOptionAsync("done");
        await Expect(page.Locator("#all-tasks li", new() { HasText = task.Title })).ToHaveCountAsync(1);
        await Expect(page.Locator("#all-tasks li", new() { HasText = task.Title }).Locator(".badge")).ToHaveTextAsync("done");
        await Expect(page.Locator("#all-tasks li.open")).ToHaveCountAsync(0);
        page.Url.ShouldContain("status=done");
        page.Url.ShouldContain("assignee=me");
        await ShotAsync(page, "tasks-worker-done", width);
        if (width < 600) await FitsTheWindowAsync(page);
    }

    private static Task<IReadOnlyList<string>> ListedAsync(IPage page) => page.Locator("#all-tasks li a.title").AllTextContentsAsync();

    private static async Task<List<string>> OrderAsync(HttpClient http, string q, string sort)
    {
        var page = await http.GetFromJsonAsync<JsonElement>($"/api/tasks?q={q}&sort={sort}");
        return page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("title").GetString()!).ToList();
    }
}
