using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Ates.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Ates.Browser.Tests;

/// <summary>
/// A site whose first business day is yesterday: a silo ran with its business clock a day behind (Ates:ClockOffset) on a
/// journal in a folder, a worker earned a reward there, and the silo was started again on the same journal at today's date.
/// </summary>
public sealed class YesterdaySite : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("ates-browser-").FullName;
    private SiloProcess? _silo;

    public string BaseUrl => _silo!.Url;
    public DateOnly Yesterday { get; private set; }
    public decimal Earned { get; private set; }
    public string WorkerName { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var settings = new Dictionary<string, string> { ["Ates__DataDirectory"] = _data, ["Ates__SeedDemoUsers"] = "true" };
        var yesterday = SiloProcess.Start(new Dictionary<string, string>(settings) { ["Ates__ClockOffset"] = "-1.00:00:00" });
        await using (yesterday)
        {
            await yesterday.WaitReadyAsync(TimeSpan.FromSeconds(60));
            await Site.UntilSignInWorksAsync(yesterday.Http);
            Yesterday = DateOnly.FromDateTime(DateTime.UtcNow.AddDays(-1));
            var admin = await Site.SignInAsync(yesterday.Url, "admin@ates.local", "admin");
            var worker = await admin.UserAsync("worker1@ates.local");
            WorkerName = worker.Name;
            var task = await admin.CreateTaskForAsync(worker.Id, "Yesterday's errand");
            var worker1 = await Site.SignInAsync(yesterday.Url, "worker1@ates.local", "worker1");
            await worker1.CompleteAsync(task.Id);
            Earned = task.Reward - task.AssignFee;
            // Billing follows the task events: wait for the reward to reach the account before the silo stops.
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while ((await worker1.GetFromJsonAsync<JsonElement>("/api/accounts/me", deadline.Token)).GetProperty("balance").GetDecimal() != Earned)
                await Task.Delay(100, deadline.Token); // another process's work: nothing to await but its answer
            (await yesterday.StopAsync(TimeSpan.FromSeconds(30))).ExitCode.ShouldBe(0);
        }
        _silo = SiloProcess.Start(settings);
        await _silo.WaitReadyAsync(TimeSpan.FromSeconds(60));
        await Site.UntilSignInWorksAsync(_silo.Http);
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null) await _silo.DisposeAsync();
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open by a process on its way out: the temp folder is cleaned later
        }
    }
}

public sealed class CloseDayTests(YesterdaySite site) : BrowserTest, IClassFixture<YesterdaySite>
{
    [Fact]
    public async Task An_admin_closes_yesterday_and_sees_what_was_paid_to_how_many_accounts()
    {
        var admin = await OpenSignedInAsync(site.BaseUrl, "admin@ates.local", "admin");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Accounting" }).ClickAsync();
        var yesterday = site.Yesterday.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await Expect(admin.GetByLabel("Day to close")).ToHaveValueAsync(yesterday);

        // Nothing happens until the admin confirms.
        await admin.GetByRole(AriaRole.Button, new() { Name = "Close day" }).ClickAsync();
        var dialog = admin.Locator("#confirm-dialog");
        await Expect(dialog).ToContainTextAsync(yesterday);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(admin.Locator("#close-day-result")).ToBeEmptyAsync();

        // Closing pays the one account with a positive balance at the end of yesterday (a reward minus its fee). The silo
        // may have closed the day by itself at start: closing again answers the same.
        await admin.GetByRole(AriaRole.Button, new() { Name = "Close day" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Close day" }).ClickAsync();
        var earned = site.Earned.ToString("0.##", CultureInfo.InvariantCulture);
        await Expect(admin.Locator("#close-day-result")).ToHaveTextAsync($"Closed {yesterday}: ${earned} paid out to 1 account.");
        var row = admin.Locator("#days tr", new() { HasText = yesterday });
        await Expect(row).ToContainTextAsync("closed");
        await Expect(row.Locator("td").Nth(4)).ToHaveTextAsync($"${earned}");
        await Expect(admin.Locator("#accounts tr", new() { HasText = site.WorkerName })).ToContainTextAsync("$0");
        // A day with payouts: the chart shows them beside fees and rewards.
        var series = await admin.EvaluateAsync<string[]>("() => Chart.getChart(document.getElementById('days-chart')).data.datasets.map(d => d.label)");
        series.ShouldContain("Payouts");
        await ShotAsync(admin, "admin-close-day");

        // The worker paid: a payout reads as money paid out to them, not as a red loss.
        foreach (var width in new[] { 1280, 375 })
        {
            var worker = await OpenSignedInAsync(site.BaseUrl, "worker1@ates.local", "worker1", width, 800);
            var payout = worker.Locator("#log tr[data-kind=payout] td").Nth(2);
            await Expect(payout).ToHaveTextAsync($"Paid out ${earned}");
            await Expect(payout).ToHaveClassAsync("payout");
            await Expect(worker.Locator("#log tr[data-kind=payout]")).Not.ToContainTextAsync("−");
            await ShotAsync(worker, $"my-work-payout-{width}");
            await worker.Context.CloseAsync();
        }
    }
}
