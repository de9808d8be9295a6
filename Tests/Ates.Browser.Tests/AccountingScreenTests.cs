using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ates.Browser.Tests;

/// <summary>
/// Accounting and the admin's overview on day one: a range of days, CSV exports, account search, a person's balance now,
/// charts readable with a single day, the server's numbers for people below zero, the most expensive task of a range,
/// and the cluster in words.
/// </summary>
[Collection(DemoSiteCollection.Name)]
public sealed class AccountingScreenTests(DemoSite site) : DemoSiteTest(site)
{
    private static string Yesterday => DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(1280)]
    [InlineData(375)]
    public async Task Accounting_shows_a_chosen_range_exports_csv_finds_accounts_and_a_persons_balance_now(int width)
    {
        var admin = await Site.AdminAsync();
        var worker0 = await admin.UserAsync("worker0@ates.local");
        await admin.CreateTaskForAsync(worker0.Id, $"Audit the ledger {width}");

        var page = await OpenAsync("accountant", width);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Accounting" })).ToBeVisibleAsync();
        var range = page.Locator("#days-range");
        await range.GetByLabel("From").FillAsync(Today);
        await range.GetByLabel("To").FillAsync(Today);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show days" }).ClickAsync();
        await Expect(page.Locator("#days tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#days tr")).ToContainTextAsync(Today);
        var csv = await DownloadAsync(page, page.GetByRole(AriaRole.Link, new() { Name = "Download these days as CSV" }));
        csv.Status.ShouldBe(200);
        csv.ContentType.ShouldStartWith("text/csv");
        csv.FirstLine.ShouldContain("date", Case.Insensitive);

        // From after to: the server's words, beside the range.
        var refusal = await admin.GetAsync($"/api/accounting/days?from={Today}&to={Yesterday}");
        var detail = (await refusal.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString()!;
        await range.GetByLabel("To").FillAsync(Yesterday);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show days" }).ClickAsync();
        await Expect(page.Locator("#days-error")).ToContainTextAsync(detail);
        await ShotAsync(page, "accounting-range-refused", width);

        // Search the accounts by name or role.
        await page.GetByLabel("Find an account").FillAsync("worker 0");
        await Expect(page.Locator("#accounts tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#accounts tr")).ToContainTextAsync(worker0.Name);
        await page.GetByLabel("Find an account").FillAsync("ACCOUNTANT");
        await Expect(page.Locator("#accounts tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#accounts-count")).ToContainTextAsync("1 of");
        await page.GetByLabel("Find an account").FillAsync("worker 0");

        // The person: the balance now beside the as-of picker, and their log as CSV.
        await page.GetByRole(AriaRole.Button, new() { Name = $"Show {worker0.Name}'s balance" }).ClickAsync();
        var now = (await admin.GetFromJsonAsync<JsonElement>($"/api/accounts/{worker0.Id}")).GetProperty("balance").GetDecimal();
        await Expect(page.Locator("#person-now-balance")).ToHaveTextAsync(Money(now));
        await page.Locator("#person-at").FillAsync("2026-01-01T00:00");
        await Expect(page.Locator("#person-balance")).ToContainTextAsync("$0");
        await Expect(page.Locator("#person-now-balance")).ToHaveTextAsync(Money(now));
        var log = await DownloadAsync(page, page.Locator("#person-csv"));
        log.Status.ShouldBe(200);
        log.ContentType.ShouldStartWith("text/csv");
        await ShotAsync(page, "accounting-search-person", width);
        if (width < 600) await FitsTheWindowAsync(page);
    }

    [Theory]
    [InlineData(1280)]
    [InlineData(375)]
    public async Task The_overview_draws_day_one_readably_with_the_servers_numbers_and_finds_the_most_expensive_task_of_a_range(int width)
    {
        var admin = await Site.AdminAsync();
        var worker1 = await admin.UserAsync("worker1@ates.local");
        var task = await admin.CreateTaskForAsync(worker1.Id, $"Polish the brass {width}");
        await (await Site.SignInAsync("worker1")).CompleteAsync(task.Id);

        var page = await OpenAsync("admin", width);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await ChartPointsAsync(page, "analytics-chart");
        var days = await ChartAsync(page, "analytics-chart");
        days.Labels.ShouldBe(["Assign fees", "Rewards", "Management earnings"], "no payouts yet: no struck-through Payouts in the legend");
        days.Types.ShouldAllBe(t => t == "bar", "a single day's earnings is a bar with its value, not a lone dot");
        days.ValuesWritten.ShouldBeTrue();
        days.WidestBar.ShouldBeLessThanOrEqualTo(44);

        // People below zero per day: the server's count, drawn as it is.
        var range = $"from={DateTime.UtcNow.AddDays(-13):yyyy-MM-dd}&to={Today}";
        var negatives = await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/negative-balances?{range}");
        var expected = negatives.EnumerateArray().Select(d => d.GetProperty("people").GetInt32()).ToArray();
        await ChartPointsAsync(page, "negative-chart");
        (await page.EvaluateAsync<int[]>("() => Chart.getChart(document.getElementById('negative-chart')).data.datasets[0].data")).ShouldBe(expected);
        (await ChartAsync(page, "negative-chart")).WidestBar.ShouldBeLessThanOrEqualTo(44, "one day is not one fat bar");

        // The most expensive task of a chosen range.
        var form = page.Locator("#expensive-range");
        await form.GetByLabel("From").FillAsync(Yesterday);
        await form.GetByLabel("To").FillAsync(Today);
        await form.GetByRole(AriaRole.Button, new() { Name = "Show range" }).ClickAsync();
        var answer = await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/most-expensive?from={Yesterday}&to={Today}");
        await Expect(page.Locator("#expensive")).ToContainTextAsync($"{Yesterday} – {Today}: ");
        await Expect(page.Locator("#expensive")).ToContainTextAsync(answer.GetProperty("task").GetProperty("title").GetString()!);
        await Expect(page.Locator("[data-period][aria-pressed=true]")).ToHaveCountAsync(0);

        await Expect(page.Locator("#an-cluster")).ToHaveTextAsync("1 silo · no dead letters");
        await ShotAsync(page, "overview-day-one-charts", width);
        if (width < 600) await FitsTheWindowAsync(page);
    }

    [Theory]
    [InlineData(1280)]
    [InlineData(375)]
    public async Task The_cluster_page_says_host_up_since_status_and_how_far_each_subscription_delivered(int width)
    {
        var page = await OpenAsync("admin", width);
        await page.GetByRole(AriaRole.Button, new() { Name = "Cluster" }).ClickAsync();
        await Expect(page.Locator("#cluster-summary")).ToHaveTextAsync("1 silo · no dead letters");
        await Expect(page.Locator("#silos tr")).ToContainTextAsync("127.0.0.1 (silo port");
        await Expect(page.Locator("#silos tr")).ToContainTextAsync("running");
        await Expect(page.Locator("#subscriptions tr").First).ToContainTextAsync(new System.Text.RegularExpressions.Regex(@"through event \d+ of \d+"));
        var text = await page.Locator("#view-cluster").InnerTextAsync();
        text.ShouldNotContain("S127.0.0.1:", Case.Sensitive, "no Orleans silo ids");
        text.ShouldNotMatch(@"\d+\.\d+\.\d+\.\d+:\d+:\d+|all at \d+:\d+", "no silo addresses or journal positions");
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Orleans Dashboard" })).ToHaveAttributeAsync("href", "/dashboard/");
        await ShotAsync(page, "cluster-in-words", width);
        if (width < 600) await FitsTheWindowAsync(page);
    }

    private static string Money(decimal amount) =>
        $"{(amount < 0 ? "−" : "")}${Math.Abs(amount).ToString("#,0.##", CultureInfo.InvariantCulture)}";

    private sealed record ChartView(string[] Labels, string[] Types, bool ValuesWritten, double WidestBar);

    private static async Task<ChartView> ChartAsync(IPage page, string canvas)
    {
        var view = await page.EvaluateAsync<JsonElement>($$"""
            () => {
              const chart = Chart.getChart(document.getElementById("{{canvas}}"));
              const visible = chart.data.datasets.map((d, i) => i).filter((i) => chart.isDatasetVisible(i));
              return {
                labels: visible.map((i) => chart.data.datasets[i].label),
                types: visible.map((i) => chart.data.datasets[i].type ?? chart.config.type),
                written: chart.config.plugins.some((p) => p.id === "atesValueLabels") && chart.data.labels.length <= 14,
                widest: Math.max(0, ...visible.flatMap((i) => chart.getDatasetMeta(i).data.map((bar) => bar.width ?? 0))),
              };
            }
            """);
        return new ChartView(view.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToArray(),
            view.GetProperty("types").EnumerateArray().Select(l => l.GetString()!).ToArray(),
            view.GetProperty("written").GetBoolean(), view.GetProperty("widest").GetDouble());
    }
}
