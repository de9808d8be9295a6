using Microsoft.Playwright;

namespace Ates.Browser.Tests;

/// <summary>A browser test on the shared demo site: people open it signed in, at a desktop's or a phone's width.</summary>
public abstract class DemoSiteTest(DemoSite site) : BrowserTest
{
    protected DemoSite Site { get; } = site;

    /// <summary>Signed in with a cookie from the API (the sign-in form is rate-limited per address), at <paramref name="width"/> px.</summary>
    protected Task<IPage> OpenAsync(string user, int width) =>
        OpenSignedInAsync(Site.BaseUrl, $"{user}@ates.local", user, width, width < 600 ? 800 : 900);

    /// <summary>A screenshot named after what it shows and the window's width.</summary>
    protected static Task ShotAsync(IPage page, string item, int width) => ShotAsync(page, $"{item}-{width}");

    protected static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
