using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ates.Browser.Tests;

/// <summary>
/// The API reference at /docs as a reader's browser gets it: everything from this origin, nothing fetched from another
/// host, none of the hosted product's promotions.
/// </summary>
public sealed class ApiReferenceTests(DemoSite site) : BrowserTest, IClassFixture<DemoSite>
{
    private static readonly string[] Promotions = ["Ask AI", "Deploy", "Generate SDK", "Generate MCP", "Powered by Scalar"];

    [Theory]
    [InlineData(1280, 900)]
    [InlineData(375, 800)]
    public async Task The_reference_loads_only_from_this_origin_and_shows_no_promotions(int width, int height)
    {
        var context = await Chrome.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        await using var _ = context;
        var requests = new List<string>();
        context.Request += (_, request) =>
        {
            lock (requests) requests.Add(request.Url);
        };
        var page = await context.NewPageAsync();
        await page.GotoAsync(site.BaseUrl + "/docs", new() { WaitUntil = WaitUntilState.NetworkIdle });

        // The document has arrived and is drawn: the API's title and an operation by its summary.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Ates gateway API" }).First).ToBeVisibleAsync();
        await Expect(page.GetByText("Sign in for a bearer token").First).ToBeAttachedAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        // The reference draws its sections as they scroll into view: a shot of the first screen is what a reader sees.
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, $"api-reference-{width}.png") });

        var origin = new Uri(site.BaseUrl);
        string[] seen;
        lock (requests) seen = [.. requests];
        seen.ShouldNotBeEmpty();
        foreach (var url in seen.Where(u => !u.StartsWith("data:", StringComparison.Ordinal) && !u.StartsWith("blob:", StringComparison.Ordinal)))
        {
            var uri = new Uri(url);
            (uri.Host, uri.Port).ShouldBe((origin.Host, origin.Port), $"the reference fetched {url} from another host");
        }
        var text = await page.Locator("body").InnerTextAsync();
        foreach (var promotion in Promotions) text.ShouldNotContain(promotion, Case.Insensitive);
    }
}
