using Ates.Testing;
using Xunit.Abstractions;

namespace Ates.Cluster.Tests;

/// <summary>A minute of chaos (bench -- chaos runs ten): faults of every kind under load, and the books still agree.</summary>
public sealed class ChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_minute_of_faults_under_load_loses_nothing_acknowledged_applies_nothing_twice_and_the_audit_agrees()
    {
        var report = await ChaosRun.RunAsync(TimeSpan.FromMinutes(1), seed: 11, log: output.WriteLine);
        output.WriteLine(report.ToMarkdown());
        foreach (var line in report.Lost.Concat(report.Twice).Concat(report.Audit.Differences.Select(d => d.Detail)).Concat(report.Invariants.Violations))
            output.WriteLine(line);

        report.Lost.ShouldBeEmpty();
        report.Twice.ShouldBeEmpty();
        report.Audit.Differences.ShouldBeEmpty();
        (report.Audit.Ok, report.Audit.Pending).ShouldBe((true, 0L));
        report.Invariants.Holds.ShouldBeTrue(report.Invariants.ToString());
        report.GaveUp.ShouldBe(0, "every creation was answered within a minute of retries");
        // Every kind of fault happened, and the day closed under it.
        report.Recoveries.Keys.ShouldBe([ChaosRun.CrashDatabase, ChaosRun.KillFrontend, ChaosRun.KillSilo, ChaosRun.Midnight, ChaosRun.StopSilo], ignoreOrder: true);
        report.Recoveries[ChaosRun.Midnight].Single().ShouldBeLessThan(TimeSpan.FromMinutes(3), "the day closed");
        report.Created.ShouldBeGreaterThan(100);
        report.Completed.ShouldBeGreaterThan(10);
    }
}
