using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Ates.Browser.Tests;

/// <summary>The web client in Chromium (/usr/bin/chromium) against a running silo; screenshots go to artifacts/screenshots.</summary>
public sealed class BrowserTests(DemoSite silo) : IClassFixture<DemoSite>, IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string Screenshots = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        File.Exists(Chromium).ShouldBeTrue($"{Chromium} is missing: apt-get install chromium (test.sh does this).");
        Directory.CreateDirectory(Screenshots);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private async Task<IPage> SignInAsync(string user, int width = 1280, int height = 900)
    {
        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        var page = await context.NewPageAsync();
        await page.GotoAsync(silo.BaseUrl);
        var form = page.Locator("#signin-form");
        await form.GetByLabel("Email").FillAsync($"{user}@ates.local");
        await form.GetByLabel("Password").FillAsync(user);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#live-state")).ToHaveTextAsync("connected", new() { Timeout = 15_000 });
        return page;
    }

    [Fact]
    public async Task A_worker_sees_a_new_task_arrive_completes_it_and_watches_the_balance_change_without_reloading()
    {
        // Only worker1 stays assignable, so the manager's task lands on them.
        var admin = await silo.AdminAsync();
        var users = await admin.GetFromJsonAsync<JsonElement>("/api/users");
        foreach (var user in users.EnumerateArray().Where(u => u.GetProperty("email").GetString() is "accountant@ates.local" or "worker0@ates.local" or "worker2@ates.local"))
            (await admin.PutAsJsonAsync($"/api/users/{user.GetProperty("id")}/role", new { role = "manager" })).EnsureSuccessStatusCode();

        var worker = await SignInAsync("worker1");
        var manager = await SignInAsync("manager");
        // A reload would wipe this; it must still be there at the end.
        await worker.EvaluateAsync("() => { window.notReloaded = 42; }");

        await manager.Locator("#task-form").GetByLabel("Title").FillAsync("Paint the fence");
        await manager.Locator("#task-form").GetByLabel("Jira id").FillAsync("UBERPOP-7");
        await manager.GetByRole(AriaRole.Button, new() { Name = "Create task" }).ClickAsync();

        var task = worker.Locator("#my-tasks li", new() { HasText = "[UBERPOP-7] Paint the fence" });
        await Assertions.Expect(task).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await worker.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "worker-task-arrived.png"), FullPage = true });
        await task.GetByRole(AriaRole.Button, new() { Name = "Complete [UBERPOP-7] Paint the fence" }).ClickAsync();
        await Assertions.Expect(task).ToHaveCountAsync(0, new() { Timeout = 15_000 });

        await worker.GetByRole(AriaRole.Button, new() { Name = "My account" }).ClickAsync();
        await Assertions.Expect(worker.Locator("#log tr", new() { HasText = "Reward" })).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        var before = await worker.Locator("#balance").TextContentAsync();

        // A second task: the assign fee shows up on the open account page by itself.
        await manager.Locator("#task-form").GetByLabel("Title").FillAsync("Fix the gate");
        await manager.GetByRole(AriaRole.Button, new() { Name = "Create task" }).ClickAsync();
        await Assertions.Expect(worker.Locator("#balance")).Not.ToHaveTextAsync(before!, new() { Timeout = 15_000 });
        await Assertions.Expect(worker.Locator("#log tr", new() { HasText = "Fix the gate" })).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await worker.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "worker-balance-changed.png"), FullPage = true });
        (await worker.EvaluateAsync<int>("() => window.notReloaded")).ShouldBe(42, "the page never reloaded");
    }

    [Fact]
    public async Task An_admin_opens_analytics_and_sees_the_chart()
    {
        var admin = await SignInAsync("admin");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Analytics" }).ClickAsync();
        var chart = admin.Locator("#analytics-chart svg");
        await Assertions.Expect(chart).ToBeVisibleAsync(new() { Timeout = 15_000 });
        (await chart.GetAttributeAsync("data-points")).ShouldBe("14");
        await Assertions.Expect(admin.Locator("#an-negative")).Not.ToHaveTextAsync("—");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Week" }).ClickAsync();
        await Assertions.Expect(admin.Locator("#expensive")).ToContainTextAsync("–");
        await admin.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "admin-analytics.png"), FullPage = true });

        // The cluster page: the silo, each subscription's watermark and queues, and the way to the Orleans Dashboard.
        await admin.GetByRole(AriaRole.Button, new() { Name = "Cluster" }).ClickAsync();
        await Assertions.Expect(admin.Locator("#silos tr")).ToHaveCountAsync(1, new() { Timeout = 15_000 });
        await Assertions.Expect(admin.Locator("#silos tr")).ToContainTextAsync("Active");
        await Assertions.Expect(admin.Locator("#subscriptions tr")).ToHaveCountAsync(4);
        await admin.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "admin-cluster.png"), FullPage = true });

        // The Orleans Dashboard, same cookie.
        await admin.GetByRole(AriaRole.Link, new() { Name = "Orleans Dashboard" }).ClickAsync();
        await Assertions.Expect(admin).ToHaveTitleAsync("Orleans Dashboard", new() { Timeout = 15_000 });
        // Its data comes from its own JSON routes, which answer the admin's cookie.
        await Assertions.Expect(admin.Locator("#menu")).ToContainTextAsync("Silos", new() { Timeout = 15_000 });
        await Assertions.Expect(admin.Locator("#content")).ToContainTextAsync("TOTAL ACTIVATIONS", new() { Timeout = 15_000, IgnoreCase = true });
        await Assertions.Expect(admin.Locator("#error-message-content")).ToBeEmptyAsync();
        await admin.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "admin-dashboard.png"), FullPage = true });
    }

    [Fact]
    public async Task A_signed_out_browser_opening_the_dashboard_signs_in_and_comes_back_and_a_worker_is_refused()
    {
        await using var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{silo.BaseUrl}/dashboard/");
        await Assertions.Expect(page.Locator("#signin")).ToBeVisibleAsync();
        page.Url.ShouldContain("return=");
        var form = page.Locator("#signin-form");
        await form.GetByLabel("Email").FillAsync("admin@ates.local");
        await form.GetByLabel("Password").FillAsync("admin");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveTitleAsync("Orleans Dashboard", new() { Timeout = 15_000 });
        new Uri(page.Url).AbsolutePath.ShouldBe("/dashboard/");

        var worker = await SignInAsync("worker0");
        var refused = await worker.GotoAsync($"{silo.BaseUrl}/dashboard/");
        refused!.Status.ShouldBe(403);
    }

    [Fact]
    public async Task The_task_tracker_works_at_375_pixels_and_by_keyboard()
    {
        var page = await SignInAsync("worker2", width: 375, height: 800);
        (await page.EvaluateAsync<int>("document.documentElement.scrollWidth")).ShouldBeLessThanOrEqualTo(375);
        await page.Keyboard.PressAsync("Tab");
        await page.Locator("#task-form").GetByLabel("Title").FocusAsync();
        await page.Keyboard.TypeAsync("Keyboard only");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#all-tasks li", new() { HasText = "Keyboard only" })).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "mobile-375.png"), FullPage = true });
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Ates.sln"))) return dir.FullName;
        return AppContext.BaseDirectory;
    }
}
