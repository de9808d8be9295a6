using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ates.Browser.Tests;

/// <summary>Roles on screen (who has "My work", who a shuffle and the assignee filter name) and the task form's fields and errors.</summary>
[Collection(DemoSiteCollection.Name)]
public sealed class RolesAndTaskFormTests(DemoSite site) : DemoSiteTest(site)
{
    [Theory]
    [InlineData(1280)]
    [InlineData(375)]
    public async Task My_work_is_only_for_people_who_can_be_given_tasks_and_the_shuffle_and_the_filter_name_only_them(int width)
    {
        foreach (var (user, hasMyWork) in new[] { ("worker0", true), ("accountant", true), ("manager", false), ("admin", false) })
        {
            var page = await OpenAsync(user, width);
            await Expect(page.Locator("#nav button").First).ToBeVisibleAsync();
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "My work", Exact = true })).ToHaveCountAsync(hasMyWork ? 1 : 0);
            if (user == "accountant") await ShotAsync(page, "roles-accountant-tabs", width);
            await page.Context.CloseAsync();
        }

        var manager = await OpenAsync("manager", width);
        await Expect(manager.GetByRole(AriaRole.Heading, new() { Name = "Tasks", Exact = true })).ToBeVisibleAsync();
        var assignees = manager.Locator("#filter-assignee option");
        await Expect(assignees.Filter(new() { HasText = "(worker)" }).First).ToBeAttachedAsync();
        var options = await assignees.AllTextContentsAsync();
        options.ShouldContain(o => o.Contains("(accountant)"), "accountants are given tasks");
        options.ShouldNotContain(o => o.Contains("(admin)") || o.Contains("(manager)"), "admins and managers are never given tasks");
        options.ShouldNotContain("Me", "a manager has no tasks of their own");

        await manager.GetByRole(AriaRole.Button, new() { Name = "Shuffle open tasks" }).ClickAsync();
        var dialog = manager.Locator("#confirm-dialog");
        await Expect(dialog).ToContainTextAsync("a worker or an accountant");
        await Expect(dialog).ToContainTextAsync("never a manager or an admin");
        await ShotAsync(manager, "roles-shuffle-dialog", width);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        if (width < 600) await FitsTheWindowAsync(manager);
    }

    [Theory]
    [InlineData(1280)]
    [InlineData(375)]
    public async Task The_task_form_shows_its_placeholder_whole_each_error_under_its_own_field_and_what_it_created_beside_it(int width)
    {
        var page = await OpenAsync("manager", width);
        var form = page.Locator("#task-form");
        var title = form.GetByLabel("Title");
        var placeholderFits = await title.EvaluateAsync<bool>("""
            (input) => {
              const text = document.createElement("canvas").getContext("2d");
              text.font = getComputedStyle(input).font;
              const style = getComputedStyle(input);
              return text.measureText(input.placeholder).width <= input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
            }
            """);
        placeholderFits.ShouldBeTrue("the title's placeholder is not cut off");

        // A wrong Jira id: its message under the Jira id, nothing under the title.
        await title.FillAsync("Paint the fence");
        await form.GetByLabel("Jira id").FillAsync("not a jira id");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create task" }).ClickAsync();
        var jiraError = page.Locator("#task-form-jiraId-error");
        await Expect(jiraError).ToContainTextAsync("UBERPOP-42");
        await Expect(page.Locator("#task-form-title-error")).ToHaveCountAsync(0);
        var jiraBox = (await form.GetByLabel("Jira id").BoundingBoxAsync())!;
        var errorBox = (await jiraError.BoundingBoxAsync())!;
        errorBox.Y.ShouldBeGreaterThanOrEqualTo(jiraBox.Y + jiraBox.Height - 1, "under the Jira id field");
        errorBox.X.ShouldBe(jiraBox.X, 2, "in the Jira id's column");
        (await form.InnerTextAsync()).Split("UBERPOP-42").Length.ShouldBe(2, "the message is said once");
        await ShotAsync(page, "task-form-jira-error", width);

        // A title of zero-width spaces only: the server refuses it, and says so under the title.
        await title.FillAsync("\u200B\u200B\u200B");
        await form.GetByLabel("Jira id").FillAsync("");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create task" }).ClickAsync();
        await Expect(page.Locator("#task-form-title-error")).Not.ToBeEmptyAsync();
        await Expect(title).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(jiraError).ToHaveCountAsync(0);
        await ShotAsync(page, "task-form-invisible-title", width);

        // Created: said inside the form, not beside the Shuffle button.
        var name = $"Oil the hinges {width} {Guid.NewGuid():N}"[..30];
        await title.FillAsync(name);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create task" }).ClickAsync();
        await Expect(form.Locator("#task-created")).ToContainTextAsync($"Created “{name}”");
        await Expect(page.Locator("#shuffle-result")).Not.ToContainTextAsync("Created");
        await Expect(form.Locator(".field-error")).ToHaveCountAsync(0);
        await ShotAsync(page, "task-form-created", width);
        if (width < 600) await FitsTheWindowAsync(page);
    }
}
