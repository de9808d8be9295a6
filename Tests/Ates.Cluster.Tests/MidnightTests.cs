using System.Globalization;
using System.Net.Http.Json;
using Ates.Grains.Interfaces;
using Xunit.Abstractions;

namespace Ates.Cluster.Tests;

public sealed class MidnightTests(ITestOutputHelper output)
{
    /// <summary>Ates:ClockOffset that puts the silos' business clock at <paramref name="businessNow"/> now.</summary>
    private static Dictionary<string, string> ClockAt(DateTimeOffset businessNow) =>
        new() { ["Ates__ClockOffset"] = (businessNow - DateTimeOffset.UtcNow).ToString("c", CultureInfo.InvariantCulture) };

    [Fact]
    public async Task A_midnight_passed_while_every_silo_was_down_is_closed_once_at_the_next_start_exact_to_the_cent()
    {
        var day = DateOnly.FromDateTime(DateTime.UtcNow);
        var midnight = new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var evening = ClockAt(midnight.AddMinutes(-3));
        await using var ates = await PostgresCluster.StartAsync(silos: 2, settings: evening);
        var load = await LoadOfTasks.SignInAsync(ates);
        var random = new Random(5);
        for (var i = 0; i < 30; i++) await load.StepAsync(random, ates.Silos[i % 2], $"evening task {i}");
        await ates.SettledAsync(TimeSpan.FromSeconds(30));
        var accountant = await ates.ClientAsync("accountant", ates.Silos[0]);
        var evening_balances = (await accountant.AccountsAsync()).ToDictionary(a => a.UserId, a => a.Balance);
        var dayBefore = (await accountant.DaysAsync(day, day)).Single();
        dayBefore.Closed.ShouldBeFalse();

        foreach (var silo in ates.Running.ToList()) (await silo.StopAsync(TimeSpan.FromSeconds(20))).ExitCode.ShouldBe(0);
        (DateTimeOffset.UtcNow + TimeSpan.Parse(evening["Ates__ClockOffset"], CultureInfo.InvariantCulture)).ShouldBeLessThan(midnight, "the evening ran past midnight before the silos stopped");

        // The next morning one silo starts: it closes the day that ended while none ran.
        var morning = (await ates.AddSilosAsync(1, ClockAt(midnight.AddMinutes(1))))[0];
        accountant = await ates.ClientAsync("accountant", morning);
        var closed = await UntilClosedAsync(accountant, day);

        var positive = evening_balances.Where(b => b.Value > 0).ToList();
        closed.Payouts.ShouldBe(positive.Sum(b => b.Value));
        foreach (var (user, balance) in evening_balances)
        {
            var payouts = (await accountant.Http.GetFromJsonAsync<List<EntryDto>>($"/api/accounts/{user}/log"))!.Where(e => e.Kind == EntryKinds.Payout).ToList();
            if (balance > 0)
            {
                payouts.ShouldHaveSingleItem().Amount.ShouldBe(-balance);
                payouts[0].BalanceAfter.ShouldBe(0m);
            }
            else
            {
                payouts.ShouldBeEmpty();
            }
        }

        // Started again the same morning: nothing is paid twice.
        (await morning.StopAsync(TimeSpan.FromSeconds(20))).ExitCode.ShouldBe(0);
        var again = (await ates.AddSilosAsync(1, ClockAt(midnight.AddMinutes(2))))[0];
        accountant = await ates.ClientAsync("accountant", again);
        (await UntilClosedAsync(accountant, day)).Payouts.ShouldBe(closed.Payouts);
        var report = await ates.InvariantsAsync();
        output.WriteLine($"day {day}: fees {closed.AssignFees}, rewards {closed.Rewards}, paid out {closed.Payouts} to {positive.Count} of " +
                         $"{evening_balances.Count} accounts (balances before: {string.Join(", ", evening_balances.Values)}); after a second start: {report}");
        report.Holds.ShouldBeTrue(report.ToString());
        var audit = await ates.AuditAsync(ates.Running.First());
        output.WriteLine(PostgresCluster.Describe(audit));
        (audit.Ok, audit.Pending).ShouldBe((true, 0L), PostgresCluster.Describe(audit));
        report.Payouts.ShouldBe(positive.Count);
    }

    private static async Task<DayDto> UntilClosedAsync(AtesClient accountant, DateOnly day)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var found = (await accountant.DaysAsync(day, day, deadline.Token)).Single();
            if (found.Closed) return found;
            await Task.Delay(100, deadline.Token); // another process's work: nothing to await but its answer
        }
    }
}
