using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ates.Browser.Tests;

/// <summary>Each role's main flow in Chromium against a running silo with the demo users; screenshots go to artifacts/screenshots.</summary>
[Collection(DemoSiteCollection.Name)]
public sealed class BrowserTests(DemoSite site) : BrowserTest
{
    /// <summary>Through the sign-in form.</summary>
    private Task<IPage> SignInAsync(string user, int width = 1280, int height = 900) =>
        SignInAsync(site.BaseUrl, $"{user}@ates.local", user, width, height);

    /// <summary>With a cookie from the API: for flows that are not about signing in (the form is rate-limited per address).</summary>
    private Task<IPage> OpenAsync(string user, int width = 1280, int height = 900) =>
        OpenSignedInAsync(site.BaseUrl, $"{user}@ates.local", user, width, height);

    [Fact]
    public async Task A_worker_sees_a_new_task_arrive_completes_it_and_watches_the_balance_change_without_reloading()
    {
        var admin = await site.AdminAsync();
        var users = await admin.UsersAsync();
        var me = users.Single(u => u.Email == "worker1@ates.local");
        var manager = await site.SignInAsync("manager");

        var worker = await SignInAsync("worker1");
        await Expect(worker.GetByRole(AriaRole.Heading, new() { Name = "My work" })).ToBeVisibleAsync();
        // A reload would wipe this; it must still be there at the end.
        await worker.EvaluateAsync("() => { window.notReloaded = 42; }");

        var first = await manager.CreateTaskForAsync(me.Id, "Paint the fence", "UBERPOP-7");
        var task = worker.Locator("#my-tasks li", new() { HasText = first.Label });
        await Expect(task).ToBeVisibleAsync();
        await Expect(task).ToContainTextAsync("assigned to you");
        // The live panel says what happened, in words.
        await Expect(worker.Locator("#live-events li", new() { HasText = first.Title }).Filter(new() { HasText = "assigned" }).First).ToBeVisibleAsync();
        await ShotAsync(worker, "worker-task-arrived");

        await task.GetByRole(AriaRole.Button, new() { Name = $"Complete {first.Label}" }).ClickAsync();
        await Expect(task).ToHaveCountAsync(0);
        await Expect(worker.Locator("#log tr", new() { HasText = "Reward" })).ToHaveCountAsync(1);
        var before = await worker.Locator("#balance").TextContentAsync();

        // A second task: the assign fee shows up on the open page by itself, and the balance chart gains a point.
        var second = await manager.CreateTaskForAsync(me.Id, "Fix the gate");
        await Expect(worker.Locator("#balance")).Not.ToHaveTextAsync(before!);
        await Expect(worker.Locator("#log tr", new() { HasText = second.Title })).ToHaveCountAsync(1);
        (await ChartPointsAsync(worker, "balance-chart", atLeast: 3)).ShouldBeGreaterThanOrEqualTo(3);
        await Expect(worker.Locator("#recent li", new() { HasText = second.Title })).ToHaveCountAsync(1);
        await NoRawIdsAsync(worker, users);
        await ShotAsync(worker, "worker-my-work");
        (await worker.EvaluateAsync<int>("() => window.notReloaded")).ShouldBe(42, "the page never reloaded");

        // After a reload the live panel still shows what happened.
        await worker.ReloadAsync();
        await Expect(worker.Locator("#live-state")).ToHaveTextAsync("connected");
        await Expect(worker.Locator("#live-events li", new() { HasText = second.Title }).First).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_creation_whose_answer_is_lost_to_a_503_is_retried_with_the_same_key_and_makes_one_task()
    {
        var manager = await OpenAsync("manager");
        var title = $"Retried through an outage {Guid.NewGuid():N}";
        var keys = new List<string>();
        await manager.RouteAsync("**/api/tasks", async route =>
        {
            if (route.Request.Method != "POST")
            {
                await route.ContinueAsync();
                return;
            }
            keys.Add(route.Request.Headers.GetValueOrDefault("idempotency-key") ?? "");
            if (keys.Count > 1)
            {
                await route.ContinueAsync();
                return;
            }
            // The first attempt reaches the server and creates the task, but its answer is lost: the browser gets the 503
            // a gateway gives when the silo it called dies.
            await route.FetchAsync();
            await route.FulfillAsync(new()
            {
                Status = 503,
                Headers = new Dictionary<string, string> { ["Retry-After"] = "1" },
                ContentType = "application/problem+json",
                Body = """{"status":503,"title":"Part of the cluster is not answering."}""",
            });
        });

        await manager.Locator("#task-form").GetByLabel("Title").FillAsync(title);
        await manager.GetByRole(AriaRole.Button, new() { Name = "Create task" }).ClickAsync();

        await Expect(manager.Locator("#task-created")).ToContainTextAsync(title);
        keys.Count.ShouldBe(2, "one retry");
        keys.Distinct().ShouldHaveSingleItem().ShouldNotBeNullOrEmpty();
        await manager.GetByRole(AriaRole.Searchbox, new() { Name = "Search" }).FillAsync(title);
        await Expect(manager.Locator("#all-tasks li", new() { HasText = title })).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task A_manager_creates_searches_reads_a_history_and_shuffles_after_confirming()
    {
        var users = await (await site.AdminAsync()).UsersAsync();
        var manager = await OpenAsync("manager");
        await Expect(manager.GetByRole(AriaRole.Heading, new() { Name = "Tasks" })).ToBeVisibleAsync();
        var form = manager.Locator("#task-form");

        // A title the server refuses: its message stands next to the Title field.
        await form.GetByLabel("Title").FillAsync("Paint [the] fence");
        await manager.GetByRole(AriaRole.Button, new() { Name = "Create task" }).ClickAsync();
        await Expect(form.Locator(".field-error")).ToContainTextAsync("[");
        await Expect(form.GetByLabel("Title")).ToHaveAttributeAsync("aria-invalid", "true");

        await form.GetByLabel("Title").FillAsync("Repaint the zebra crossing");
        await form.GetByLabel("Jira id").FillAsync("UBERPOP-77");
        await manager.GetByRole(AriaRole.Button, new() { Name = "Create task" }).ClickAsync();
        var assignees = users.Where(u => u.Role is not "admin" and not "manager").Select(u => u.Name).ToList();
        await Expect(manager.Locator("#task-created")).ToContainTextAsync("assigned to");
        var created = await manager.Locator("#task-created").TextContentAsync();
        assignees.ShouldContain(name => created!.Contains(name), $"the assignee is named: {created}");
        await form.GetByLabel("Title").FillAsync("Water the office plants");
        await manager.GetByRole(AriaRole.Button, new() { Name = "Create task" }).ClickAsync();
        await Expect(manager.Locator("#all-tasks li", new() { HasText = "Water the office plants" })).ToHaveCountAsync(1);

        // Search finds the task by a word of its title, in any case, and nothing else.
        await manager.GetByRole(AriaRole.Searchbox, new() { Name = "Search" }).FillAsync("ZEBRA");
        await Expect(manager.Locator("#all-tasks li")).ToHaveCountAsync(1);
        var zebra = manager.Locator("#all-tasks li").First;
        await Expect(zebra).ToContainTextAsync("[UBERPOP-77] Repaint the zebra crossing");

        // Its history: created, then assigned to a person by name with the fee.
        await zebra.GetByRole(AriaRole.Button, new() { Name = "History of [UBERPOP-77] Repaint the zebra crossing" }).ClickAsync();
        var history = zebra.Locator(".history li");
        await Expect(history.First).ToContainTextAsync("Created");
        await Expect(history.Nth(1)).ToContainTextAsync("Assigned to");
        await Expect(history.Nth(1)).ToContainTextAsync("fee $");
        await ShotAsync(manager, "manager-tasks-search-history");

        // Filters: done tasks only — none of these is done.
        await manager.GetByRole(AriaRole.Searchbox, new() { Name = "Search" }).FillAsync("");
        await manager.GetByLabel("Status").SelectOptionAsync("done");
        await Expect(manager.Locator("#all-tasks li", new() { HasText = "zebra" })).ToHaveCountAsync(0);
        await manager.GetByLabel("Status").SelectOptionAsync("open");
        await Expect(manager.Locator("#all-tasks li", new() { HasText = "zebra" })).ToHaveCountAsync(1);

        // Shuffle asks first; cancelling changes nothing.
        await manager.GetByRole(AriaRole.Button, new() { Name = "Shuffle open tasks" }).ClickAsync();
        var dialog = manager.Locator("#confirm-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(manager.Locator("#shuffle-result")).Not.ToContainTextAsync("reassigned");
        await manager.GetByRole(AriaRole.Button, new() { Name = "Shuffle open tasks" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Shuffle" }).ClickAsync();
        await Expect(manager.Locator("#shuffle-result")).ToContainTextAsync("reassigned");
        await NoRawIdsAsync(manager, users);
        await ShotAsync(manager, "manager-tasks");
    }

    [Fact]
    public async Task An_accountant_sees_fees_against_rewards_per_day_the_accounts_by_name_and_a_persons_balance_over_time()
    {
        var admin = await site.AdminAsync();
        var users = await admin.UsersAsync();
        var worker0 = users.Single(u => u.Email == "worker0@ates.local");
        var task = await admin.CreateTaskForAsync(worker0.Id, "Count the beans");
        await (await site.SignInAsync("worker0")).CompleteAsync(task.Id);

        var accountant = await OpenAsync("accountant");
        await Expect(accountant.GetByRole(AriaRole.Heading, new() { Name = "Accounting" })).ToBeVisibleAsync();
        await Expect(accountant.Locator("#today-fees")).Not.ToHaveTextAsync("—");
        await Expect(accountant.Locator("#today-rewards")).Not.ToHaveTextAsync("$0");

        // The chart: a day per row of the table, fees and rewards side by side.
        var days = await accountant.Locator("#days tr td:first-child").AllTextContentsAsync();
        days.ShouldNotBeEmpty();
        foreach (var day in days) DateOnly.Parse(day).ShouldBeGreaterThanOrEqualTo(site.StartedOn, "no day before the system existed is listed");
        (await ChartPointsAsync(accountant, "days-chart", dataset: 0)).ShouldBe(days.Count);
        (await ChartPointsAsync(accountant, "days-chart", dataset: 1)).ShouldBe(days.Count);
        var labels = await accountant.EvaluateAsync<string[]>("() => Chart.getChart(document.getElementById('days-chart')).data.datasets.map(d => d.label)");
        labels.ShouldContain("Assign fees");
        labels.ShouldContain("Rewards");

        // Accounts by name; one person's balance after each entry.
        var row = accountant.Locator("#accounts tr", new() { HasText = worker0.Name });
        await Expect(row).ToHaveCountAsync(1);
        await row.GetByRole(AriaRole.Button, new() { Name = $"Show {worker0.Name}'s balance" }).ClickAsync();
        await Expect(accountant.Locator("#person-title")).ToContainTextAsync(worker0.Name);
        (await ChartPointsAsync(accountant, "person-chart", atLeast: 2)).ShouldBeGreaterThanOrEqualTo(2);
        await Expect(accountant.Locator("#person-log tr", new() { HasText = task.Title })).ToHaveCountAsync(2);
        // The balance as of a moment before any of it: nothing yet. Back to now: the entries return.
        await accountant.Locator("#person-at").FillAsync("2026-01-01T00:00");
        await Expect(accountant.Locator("#person-balance")).ToContainTextAsync("$0");
        await Expect(accountant.Locator("#person-log tr", new() { HasText = task.Title })).ToHaveCountAsync(0);
        await accountant.GetByRole(AriaRole.Button, new() { Name = "Now" }).ClickAsync();
        await Expect(accountant.Locator("#person-balance")).ToContainTextAsync("Now:");
        await Expect(accountant.Locator("#person-log tr", new() { HasText = task.Title })).ToHaveCountAsync(2);
        // An accountant cannot close days: the button is an admin's.
        await Expect(accountant.GetByRole(AriaRole.Button, new() { Name = "Close day" })).ToHaveCountAsync(0);
        // The books, checked against the work done, in words.
        await Expect(accountant.Locator("#books-status")).ToContainTextAsync("Books checked: whole through event");
        await Expect(accountant.Locator("#books-differences li")).ToHaveCountAsync(0);
        await NoRawIdsAsync(accountant, users);
        await ShotAsync(accountant, "accountant-accounting");
    }

    [Fact]
    public async Task An_admin_sees_the_overview_closes_a_day_manages_users_only_after_confirming_and_opens_the_cluster()
    {
        var api = await site.AdminAsync();
        var admin = await OpenAsync("admin");

        // The overview: today's numbers, fees against rewards and negative balances per day.
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Expect(admin.Locator("#an-negative")).Not.ToHaveTextAsync("—");
        await Expect(admin.Locator("#an-cluster")).ToContainTextAsync("silo");
        var points = await ChartPointsAsync(admin, "analytics-chart");
        (await ChartPointsAsync(admin, "negative-chart")).ShouldBe(points);
        await admin.GetByRole(AriaRole.Button, new() { Name = "Week" }).ClickAsync();
        await Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Week" })).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(admin.Locator("#expensive")).ToContainTextAsync("–");
        await ShotAsync(admin, "admin-overview");

        // Close day: this site started today, so no day can be closed yet. The page says so and from when, instead of
        // offering a close that can only fail (CloseDayTests closes a real day, yesterday by default).
        await admin.GetByRole(AriaRole.Button, new() { Name = "Accounting" }).ClickAsync();
        var closed = admin.Locator("#close-day-result");
        await Expect(closed).ToContainTextAsync("Nothing can be closed yet: Ates started today");
        await Expect(closed).ToContainTextAsync($"from tomorrow, {DateOnly.FromDateTime(DateTime.Now.AddDays(1)):yyyy-MM-dd}");
        await Expect(admin.GetByRole(AriaRole.Button, new() { Name = "Close day" })).ToBeDisabledAsync();
        await Expect(admin.GetByLabel("Day to close")).ToBeDisabledAsync();
        await ShotAsync(admin, "admin-accounting");

        // Users: add one (the server's per-field message first), then change the role and disable, each only after confirming.
        await admin.GetByRole(AriaRole.Button, new() { Name = "Users" }).ClickAsync();
        var form = admin.Locator("#user-form");
        await form.GetByLabel("Email").FillAsync("pat@ates.local");
        await form.GetByLabel("Name").FillAsync("Pat Parrot");
        await form.GetByLabel("Password").FillAsync("short");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add user" }).ClickAsync();
        await Expect(admin.Locator("#user-form-password-error")).ToContainTextAsync("8");
        await form.GetByLabel("Password").FillAsync("parrot-pass-1");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add user" }).ClickAsync();
        var pat = admin.Locator("#users tr", new() { HasText = "pat@ates.local" });
        await Expect(pat).ToContainTextAsync("Pat Parrot");
        await Expect(pat).ToContainTextAsync("active");

        var role = pat.GetByLabel("Role of Pat Parrot");
        var dialog = admin.Locator("#confirm-dialog");
        await role.SelectOptionAsync("manager");
        await Expect(dialog).ToBeVisibleAsync();
        await Expect(dialog).ToContainTextAsync("Pat Parrot");
        (await api.UserAsync("pat@ates.local")).Role.ShouldBe("worker", "nothing changes before the admin confirms");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(role).ToHaveValueAsync("worker");
        (await api.UserAsync("pat@ates.local")).Role.ShouldBe("worker");
        await role.SelectOptionAsync("manager");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Change role" }).ClickAsync();
        await Expect(admin.Locator("#users-result")).ToContainTextAsync("Pat Parrot is now a manager");
        (await api.UserAsync("pat@ates.local")).Role.ShouldBe("manager");
        await Expect(admin.Locator("#users tr", new() { HasText = "pat@ates.local" }).GetByLabel("Role of Pat Parrot")).ToHaveValueAsync("manager");

        await pat.GetByRole(AriaRole.Button, new() { Name = "Disable Pat Parrot" }).ClickAsync();
        await Expect(dialog).ToBeVisibleAsync();
        (await api.UserAsync("pat@ates.local")).Disabled.ShouldBeFalse("nothing changes before the admin confirms");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Expect(admin.Locator("#users tr", new() { HasText = "pat@ates.local" })).ToContainTextAsync("disabled");
        (await api.UserAsync("pat@ates.local")).Disabled.ShouldBeTrue();
        await NoRawIdsAsync(admin, await api.UsersAsync());
        await ShotAsync(admin, "admin-users");

        // The cluster page: the silo, each subscription's watermark and queues, and the way to the Orleans Dashboard.
        await admin.GetByRole(AriaRole.Button, new() { Name = "Cluster" }).ClickAsync();
        await Expect(admin.Locator("#silos tr")).ToHaveCountAsync(1);
        await Expect(admin.Locator("#silos tr")).ToContainTextAsync("running");
        await Expect(admin.Locator("#subscriptions tr")).ToHaveCountAsync(Ates.Grains.Interfaces.SubscriptionNames.All.Count);
        await ShotAsync(admin, "admin-cluster");

        // The Orleans Dashboard, same cookie; its data comes from its own JSON routes, which answer the admin's cookie.
        await admin.GetByRole(AriaRole.Link, new() { Name = "Orleans Dashboard" }).ClickAsync();
        await Expect(admin).ToHaveTitleAsync("Orleans Dashboard");
        await Expect(admin.Locator("#menu")).ToContainTextAsync("Silos");
        await Expect(admin.Locator("#content")).ToContainTextAsync("TOTAL ACTIVATIONS", new() { IgnoreCase = true });
        await Expect(admin.Locator("#error-message-content")).ToBeEmptyAsync();
        await ShotAsync(admin, "admin-dashboard");
    }

    [Fact]
    public async Task A_signed_out_browser_opening_the_dashboard_signs_in_and_comes_back_and_a_worker_is_refused()
    {
        await using var context = await Chrome.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync($"{site.BaseUrl}/dashboard/");
        await Expect(page.Locator("#signin")).ToBeVisibleAsync();
        page.Url.ShouldContain("return=");
        var form = page.Locator("#signin-form");
        await form.GetByLabel("Email").FillAsync("admin@ates.local");
        await form.GetByLabel("Password").FillAsync("admin");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page).ToHaveTitleAsync("Orleans Dashboard");
        new Uri(page.Url).AbsolutePath.ShouldBe("/dashboard/");

        var worker = await OpenAsync("worker0");
        var refused = await worker.GotoAsync($"{site.BaseUrl}/dashboard/");
        refused!.Status.ShouldBe(403);
    }

    [Theory]
    [InlineData("/%09/127.0.0.1:5392/x")] // the review's: a tab the browser drops, leaving //127.0.0.1:5392/x
    [InlineData("/\\evil.example/x")]
    [InlineData("/%5C%5Cevil.example")]
    [InlineData("https://evil.example/")]
    public async Task After_sign_in_a_return_address_on_another_host_is_ignored(string target)
    {
        await using var context = await Chrome.NewContextAsync();
        var page = await context.NewPageAsync();
        var own = new Uri(site.BaseUrl);
        await page.GotoAsync($"{site.BaseUrl}/?return={target}");
        var form = page.Locator("#signin-form");
        await form.GetByLabel("Email").FillAsync("manager@ates.local");
        await form.GetByLabel("Password").FillAsync("manager");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Tasks", Exact = true })).ToBeVisibleAsync();
        new Uri(page.Url).Authority.ShouldBe(own.Authority, $"return={target} must not leave {own.Authority}");
    }

    [Fact]
    public async Task Every_screen_fits_375_pixels_and_the_task_tracker_works_by_keyboard()
    {
        var page = await OpenAsync("worker2", width: 375, height: 800);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My work" })).ToBeVisibleAsync();
        await NoHorizontalOverflowAsync(page);
        await ShotAsync(page, "mobile-375-worker");

        await page.GetByRole(AriaRole.Button, new() { Name = "Tasks", Exact = true }).ClickAsync();
        await page.Locator("#task-form").GetByLabel("Title").FocusAsync();
        await page.Keyboard.TypeAsync("Keyboard only");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#all-tasks li", new() { HasText = "Keyboard only" })).ToBeVisibleAsync();
        await NoHorizontalOverflowAsync(page);
        await ShotAsync(page, "mobile-375");

        // The widest screens: the admin's tables and charts.
        var admin = await OpenAsync("admin", width: 375, height: 800);
        foreach (var (section, content) in new[] { ("Overview", "#analytics-chart"), ("Accounting", "#accounts tr"), ("Users", "#users tr"), ("Cluster", "#silos tr"), ("Tasks", "#all-tasks li") })
        {
            await admin.GetByRole(AriaRole.Button, new() { Name = section, Exact = true }).ClickAsync();
            await Expect(admin.GetByRole(AriaRole.Heading, new() { Name = section, Exact = true })).ToBeVisibleAsync();
            await Expect(admin.Locator(content).First).ToBeVisibleAsync();
            await NoHorizontalOverflowAsync(admin);
        }
        await admin.GetByRole(AriaRole.Button, new() { Name = "Accounting", Exact = true }).ClickAsync();
        await Expect(admin.Locator("#accounts tr").First).ToBeVisibleAsync();
        await ShotAsync(admin, "mobile-375-admin-accounting");
    }

    [Fact]
    public async Task A_person_changes_their_password_signs_out_and_signs_in_with_the_new_one()
    {
        var admin = await site.AdminAsync();
        (await admin.PostAsJsonAsync("/api/users", new { email = "polly@ates.local", name = "Polly", role = "worker", password = "polly-pass-1" })).EnsureSuccessStatusCode();
        var page = await SignInAsync(site.BaseUrl, "polly@ates.local", "polly-pass-1");
        await Expect(page.Locator("#who-name")).ToContainTextAsync("Polly");

        await page.GetByRole(AriaRole.Button, new() { Name = "Change password" }).ClickAsync();
        var dialog = page.Locator("#password-dialog");
        await dialog.GetByLabel("Current password").FillAsync("not-my-password");
        await dialog.GetByLabel("New password").FillAsync("polly-pass-2");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save password" }).ClickAsync();
        await Expect(dialog.Locator("[role=alert], .field-error").First).Not.ToBeEmptyAsync();
        await Expect(dialog).ToBeVisibleAsync();
        await dialog.GetByLabel("Current password").FillAsync("polly-pass-1");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save password" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.Locator(".flash")).ToContainTextAsync("Password changed");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.Locator("#signin")).ToBeVisibleAsync();
        (await page.EvaluateAsync<int>("async () => (await fetch('/api/me')).status")).ShouldBe(401);
        await page.Locator("#signin-form").GetByLabel("Email").FillAsync("polly@ates.local");
        await page.Locator("#signin-form").GetByLabel("Password").FillAsync("polly-pass-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#signin-error")).Not.ToBeEmptyAsync();
        await page.Locator("#signin-form").GetByLabel("Password").FillAsync("polly-pass-2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#live-state")).ToHaveTextAsync("connected");
        await Expect(page.Locator("#who-name")).ToContainTextAsync("Polly");
    }
}
