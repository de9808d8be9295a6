using Microsoft.Playwright;

namespace Ates.Browser.Tests;

/// <summary>Chromium (Debian's /usr/bin/chromium, never a downloaded one) for one test class; screenshots go to artifacts/screenshots.</summary>
public abstract class BrowserTest : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    protected static readonly string Screenshots = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");
    private IPlaywright _playwright = null!;
    protected IBrowser Chrome { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        File.Exists(Chromium).ShouldBeTrue($"{Chromium} is missing: apt-get install chromium (test.sh does this).");
        Directory.CreateDirectory(Screenshots);
        _playwright = await Playwright.CreateAsync();
        // Events arrive within a second or so; give every expectation room on a slow, shared machine.
        Assertions.SetDefaultExpectTimeout(15_000);
        Chrome = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        await Chrome.DisposeAsync();
        _playwright.Dispose();
    }

    /// <summary>Signs in through the form, as a person would, and waits for the live feed to connect.</summary>
    protected async Task<IPage> SignInAsync(string baseUrl, string email, string password, int width = 1280, int height = 900)
    {
        var context = await Chrome.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(baseUrl);
        var form = page.Locator("#signin-form");
        await form.GetByLabel("Email").FillAsync(email);
        await form.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#live-state")).ToHaveTextAsync("connected");
        return page;
    }

    /// <summary>
    /// A browser already signed in as <paramref name="email"/> (the cookie of an API sign-in from an address of its own), for flows
    /// that are not about signing in: the form is rate-limited per address, and Chromium's address is always 127.0.0.1.
    /// </summary>
    protected async Task<IPage> OpenSignedInAsync(string baseUrl, string email, string password, int width = 1280, int height = 900)
    {
        var cookies = await Site.CookiesAsync(baseUrl, email, password);
        var context = await Chrome.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        await context.AddCookiesAsync(cookies.Select(c => new Microsoft.Playwright.Cookie { Name = c.Name, Value = c.Value, Url = baseUrl, HttpOnly = c.HttpOnly }));
        var page = await context.NewPageAsync();
        await page.GotoAsync(baseUrl);
        await Assertions.Expect(page.Locator("#live-state")).ToHaveTextAsync("connected");
        return page;
    }

    protected static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, $"{name}.png"), FullPage = true });

    /// <summary>People are shown by name: neither an id nor the first 8 hex digits the old client showed appear on the page.</summary>
    protected static async Task NoRawIdsAsync(IPage page, IEnumerable<SiteUser> users)
    {
        var text = await page.Locator("body").InnerTextAsync();
        foreach (var user in users)
        {
            text.ShouldNotContain(user.Id.ToString(), Case.Insensitive);
            text.ShouldNotContain(user.Id.ToString()[..8], Case.Insensitive);
        }
    }

    /// <summary>The page never scrolls sideways: wide tables scroll in their own box.</summary>
    protected static async Task NoHorizontalOverflowAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, innerWidth]");
        widths[0].ShouldBeLessThanOrEqualTo(widths[1], $"the page is {widths[0]} px wide in a {widths[1]} px window");
    }

    /// <summary>
    /// Everything fits a phone: the page does not scroll sideways and every control shown (button, field, link) lies
    /// inside the window, so none is out of reach.
    /// </summary>
    protected static async Task FitsTheWindowAsync(IPage page)
    {
        var outside = await page.EvaluateAsync<string[]>("""
            () => {
              const width = innerWidth, found = [];
              if (document.scrollingElement.scrollWidth > width) found.push(`the page is ${document.scrollingElement.scrollWidth} px wide`);
              for (const c of document.querySelectorAll("button, select, input, textarea, a[href]")) {
                const r = c.getBoundingClientRect();
                if (!r.width || !r.height) continue; // not shown
                if (r.left < -0.5 || r.right > width + 0.5)
                  found.push(`${c.tagName.toLowerCase()} "${(c.getAttribute("aria-label") || c.textContent || c.name || "").trim().slice(0, 40)}" at ${Math.round(r.left)}–${Math.round(r.right)} px`);
              }
              return found;
            }
            """);
        outside.ShouldBeEmpty($"in a {page.ViewportSize?.Width} px window");
    }

    /// <summary>How many rows the header's parts (title, sections, name and buttons) take.</summary>
    protected static Task<int> HeaderRowsAsync(IPage page) => page.EvaluateAsync<int>("""
        () => {
          const middles = [...document.querySelectorAll("header.top h1, header.top nav button, header.top .who > *")]
            .map((e) => e.getBoundingClientRect()).filter((r) => r.width && r.height).map((r) => r.top + r.height / 2).sort((a, b) => a - b);
          return middles.reduce((rows, y) => (rows.length && y - rows[rows.length - 1] < 12 ? rows : [...rows, y]), []).length;
        }
        """);

    /// <summary>Fetches a link of the page with the page's own cookie, as a click on it would: status, content type, first line.</summary>
    protected static async Task<(int Status, string ContentType, string FirstLine)> DownloadAsync(IPage page, ILocator link)
    {
        var href = await link.GetAttributeAsync("href");
        href.ShouldNotBeNullOrEmpty();
        var answer = await page.EvaluateAsync<string[]>(
            "async (href) => { const r = await fetch(href); return [String(r.status), r.headers.get('content-type') ?? '', (await r.text()).split('\\n')[0]]; }", href);
        return (int.Parse(answer[0], System.Globalization.CultureInfo.InvariantCulture), answer[1], answer[2]);
    }

    /// <summary>How many points the first data set of the Chart.js chart on <paramref name="canvas"/> has, once it has at least <paramref name="atLeast"/>.</summary>
    protected static async Task<int> ChartPointsAsync(IPage page, string canvas, int atLeast = 1, int dataset = 0)
    {
        var script = $"() => {{ const c = window.Chart?.getChart(document.getElementById('{canvas}')); const n = c?.data.datasets[{dataset}]?.data.filter(v => v !== null).length ?? 0; return n >= {atLeast} ? n : null; }}";
        var handle = await page.WaitForFunctionAsync(script, null, new() { Timeout = 15_000 });
        return await handle.JsonValueAsync<int>();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ates.sln"))) return dir.FullName;
        return AppContext.BaseDirectory;
    }
}
