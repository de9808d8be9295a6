using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ates.Browser.Tests;

/// <summary>Every screen of every role on a 375 px phone: a header of two rows at most, the live panel at the top, every control in reach.</summary>
[Collection(DemoSiteCollection.Name)]
public sealed class PhoneTests(DemoSite site) : DemoSiteTest(site)
{
    /// <summary>What shows once a screen has its data.</summary>
    private static readonly Dictionary<string, string> Filled = new()
    {
        ["My work"] = "#log tr", ["Tasks"] = "#all-tasks li", ["Accounting"] = "#accounts tr[data-account]",
        ["Overview"] = "#expensive:not(:text-is('—'))", ["Users"] = "#users tr", ["Cluster"] = "#subscriptions tr",
    };

    [Theory]
    [InlineData("worker1", new[] { "My work", "Tasks" })]
    [InlineData("accountant", new[] { "My work", "Tasks", "Accounting" })]
    [InlineData("manager", new[] { "Tasks" })]
    [InlineData("admin", new[] { "Tasks", "Accounting", "Overview", "Users", "Cluster" })]
    public async Task Every_screen_fits_a_phone_with_a_short_header_and_the_live_panel_on_top(string user, string[] screens)
    {
        var page = await OpenAsync(user, 375);
        (await page.Locator("#nav button").AllTextContentsAsync()).ShouldBe(screens);
        foreach (var screen in screens)
        {
            await page.GetByRole(AriaRole.Button, new() { Name = screen, Exact = true }).ClickAsync();
            var heading = page.GetByRole(AriaRole.Heading, new() { Name = screen, Exact = true, Level = 2 });
            await Expect(heading).ToBeVisibleAsync();
            await Expect(page.Locator(Filled[screen]).First).ToBeVisibleAsync();
            (await HeaderRowsAsync(page)).ShouldBeLessThanOrEqualTo(2, $"{user}'s header on {screen}");
            var live = (await page.Locator("#live").BoundingBoxAsync())!;
            live.Y.ShouldBeLessThan((await heading.BoundingBoxAsync())!.Y, "the live panel is reachable at the top, not under the whole screen");
            await FitsTheWindowAsync(page);
            await ShotAsync(page, $"phone-{user}-{screen.Replace(' ', '-').ToLowerInvariant()}-375");
        }

        // The live panel folds away to a line and comes back.
        await page.GetByRole(AriaRole.Button, new() { Name = "Hide", Exact = true }).ClickAsync();
        await Expect(page.Locator("#live-events")).ToBeHiddenAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
        await Expect(page.Locator("#live-events")).ToBeVisibleAsync();
    }
}
