using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ates.Browser.Tests;

/// <summary>The admin's users page (every wrong field once, edit, password reset) and a worker's My work (three lists, three purposes).</summary>
[Collection(DemoSiteCollection.Name)]
public sealed class UsersAndMyWorkTests(DemoSite site) : DemoSiteTest(site)
{
    [Theory]
    [InlineData(1280)]
    [InlineData(375)]
    public async Task The_add_user_form_says_each_wrong_field_once_under_that_field(int width)
    {
        var page = await OpenAsync("admin", width);
        await page.GetByRole(AriaRole.Button, new() { Name = "Users" }).ClickAsync();
        var form = page.Locator("#user-form");
        await form.GetByLabel("Email").FillAsync("not-an-email");
        await form.GetByLabel("Password").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add user" }).ClickAsync();
        foreach (var field in new[] { "email", "name", "password" })
        {
            var error = page.Locator($"#user-form-{field}-error");
            await Expect(error).Not.ToBeEmptyAsync();
            var said = await error.TextContentAsync();
            Regex.Matches(await form.InnerTextAsync(), Regex.Escape(said!)).Count.ShouldBe(1, $"the {field} error is said once");
            var input = (await form.Locator($"[name={field}]").BoundingBoxAsync())!;
            var box = (await error.BoundingBoxAsync())!;
            box.Y.ShouldBeGreaterThanOrEqualTo(input.Y + input.Height - 1, $"the {field} error is under its field");
            box.X.ShouldBe(input.X, 2);
        }
        await ShotAsync(page, "users-add-errors", width);
        if (width < 600) await FitsTheWindowAsync(page);
    }

    [Theory]
    [InlineData(1280)]
    [InlineData(375)]
    public async Task An_admin_edits_a_name_and_email_and_resets_a_password_shown_once(int width)
    {
        var api = await Site.AdminAsync();
        var email = $"edna{width}@ates.local";
        (await api.PostAsJsonAsync("/api/users", new { email, name = $"Edna {width}", role = "worker", password = "edna-pass-1" })).EnsureSuccessStatusCode();
        var page = await OpenAsync("admin", width);
        await page.GetByRole(AriaRole.Button, new() { Name = "Users" }).ClickAsync();

        // An email someone else has: the refusal under Email, the dialog stays open.
        await page.GetByRole(AriaRole.Button, new() { Name = $"Edit Edna {width}" }).ClickAsync();
        var dialog = page.Locator("#edit-user-dialog");
        await dialog.GetByLabel("Email").FillAsync("worker0@ates.local");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.Locator("#edit-user-form-email-error")).ToContainTextAsync("taken");
        await Expect(dialog).ToBeVisibleAsync();
        await ShotAsync(page, "users-edit-email-taken", width);

        var renamed = $"Edna Edited {width}";
        var newEmail = $"edna.edited{width}@ates.local";
        await dialog.GetByLabel("Name").FillAsync(renamed);
        await dialog.GetByLabel("Email").FillAsync(newEmail);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        var row = page.Locator("#users tr", new() { HasText = newEmail });
        await Expect(row).ToContainTextAsync(renamed);
        (await api.UserAsync(newEmail)).Name.ShouldBe(renamed);

        // A password reset: asked first, then a one-time password shown once, with words on what it did.
        await row.GetByRole(AriaRole.Button, new() { Name = $"Reset {renamed}'s password" }).ClickAsync();
        await page.Locator("#confirm-dialog").GetByRole(AriaRole.Button, new() { Name = "Reset password" }).ClickAsync();
        var reset = page.Locator("#reset-dialog");
        await Expect(reset).ToBeVisibleAsync();
        await Expect(reset).ToContainTextAsync("shown this once");
        await Expect(reset).ToContainTextAsync("sessions have ended");
        await Expect(reset).ToContainTextAsync("must then choose a new password");
        var temporary = (await page.Locator("#reset-password").TextContentAsync())!;
        temporary.Length.ShouldBeGreaterThanOrEqualTo(8);
        await reset.GetByRole(AriaRole.Button, new() { Name = "Copy" }).ClickAsync();
        await Expect(page.Locator("#reset-copied")).Not.ToBeEmptyAsync();
        await ShotAsync(page, "users-password-reset", width);
        if (width < 600) await FitsTheWindowAsync(page);
        await reset.GetByRole(AriaRole.Button, new() { Name = "Done" }).ClickAsync();
        await Expect(reset).ToBeHiddenAsync();
        await Expect(page.Locator("#reset-password")).ToBeEmptyAsync();
        (await Ates.Browser.Tests.Site.SignInAsync(Site.BaseUrl, newEmail, temporary)).ShouldNotBeNull("the temporary password signs in");
    }

    [Theory]
    [InlineData(1280)]
    [InlineData(375)]
    public async Task My_work_says_what_each_list_is_for_and_reads_times_one_way(int width)
    {
        var admin = await Site.AdminAsync();
        var worker0 = await admin.UserAsync("worker0@ates.local");
        var page = await OpenAsync("worker0", width);
        var task = await admin.CreateTaskForAsync(worker0.Id, $"Mind the gap {width}");
        await Expect(page.Locator("#live-events li", new() { HasText = task.Title }).First).ToBeVisibleAsync();
        await Expect(page.Locator("#log tr", new() { HasText = task.Title })).ToHaveCountAsync(1);

        await Expect(page.Locator("#live .purpose")).ToHaveTextAsync("Everything happening that you may see, as it happens.");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Notifications for you" })).ToBeVisibleAsync();
        await Expect(page.Locator("#view-work .purpose").First).ToContainTextAsync("Messages addressed to you");
        await Expect(page.Locator("#log").Locator("xpath=ancestor::table").Locator("caption")).ToContainTextAsync("My money log");
        var csv = await DownloadAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Download CSV" }));
        csv.Status.ShouldBe(200);
        csv.ContentType.ShouldStartWith("text/csv");

        // One way of writing times: "Dec 7, 09:54", never "12/7/2026, 9:54:07 AM"; the balance axis never says the same minute twice.
        var text = await page.Locator("body").InnerTextAsync();
        text.ShouldNotMatch(@"\d{1,2}/\d{1,2}/\d{4}");
        text.ShouldNotMatch(@"\d:\d\d(:\d\d)? ?[AP]M");
        await ChartPointsAsync(page, "balance-chart");
        var labels = await page.EvaluateAsync<string[]>("() => Chart.getChart(document.getElementById('balance-chart')).data.labels");
        labels.Distinct().Count().ShouldBe(labels.Length, string.Join(" | ", labels));
        await ShotAsync(page, "my-work-purposes", width);
        if (width < 600) await FitsTheWindowAsync(page);
    }
}
