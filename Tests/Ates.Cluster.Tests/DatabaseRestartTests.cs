using System.Diagnostics;
using Xunit.Abstractions;

namespace Ates.Cluster.Tests;

public sealed class DatabaseRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_database_crash_restart_under_load_is_ridden_out_by_every_silo_without_a_restart_of_its_own_and_loses_nothing_acknowledged()
    {
        await using var server = await PostgresTestServer.StartThrowawayAsync();
        await using var ates = await PostgresCluster.StartAsync(silos: 2, await server.CreateDatabaseAsync());
        var pids = ates.Silos.Select(s => s.ProcessId).ToList();
        var load = await LoadOfTasks.SignInAsync(ates);

        long restartedAt = 0;
        var stop = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        async Task Person(int seed)
        {
            var random = new Random(seed);
            for (var op = 0; !stop.IsCancellationRequested; op++) await load.StepAsync(random, ates.Silos[random.Next(ates.Silos.Count)], $"load {seed}/{op}");
        }
        var people = Enumerable.Range(0, 3).Select(i => Task.Run(() => Person(i))).ToList();

        while (load.Created.Count < 40) await Task.Delay(20);
        var createdBeforeRestart = load.Created.Count;
        var restart = Stopwatch.StartNew();
        await server.CrashRestartAsync();
        var restartTook = restart.Elapsed;
        restartedAt = Stopwatch.GetTimestamp();
        // Every silo serves again on its own; then some more load.
        while (!ates.Silos.All(s => load.LastSuccess.TryGetValue(s, out var at) && at > restartedAt) && !stop.IsCancellationRequested) await Task.Delay(20);
        var recovered = ates.Silos.Select(s => Stopwatch.GetElapsedTime(restartedAt, load.LastSuccess.GetValueOrDefault(s))).ToList();
        var target = load.Created.Count + 40;
        while (load.Created.Count < target && !stop.IsCancellationRequested) await Task.Delay(20);
        await stop.CancelAsync();
        await Task.WhenAll(people);

        await ates.SettledAsync(TimeSpan.FromSeconds(60));
        await load.NothingAcknowledgedIsLostAsync(ates.Silos[0]);
        var report = await ates.InvariantsAsync();
        output.WriteLine($"pg_ctl restart -m immediate took {restartTook.TotalSeconds:F2} s; first success after it per silo: " +
                         string.Join(", ", recovered.Select(r => $"{r.TotalSeconds:F2} s")) + $"; {load.Created.Count} creations ({createdBeforeRestart} before the restart) and " +
                         $"{load.Completed.Count} completions acknowledged, {load.Failed} requests failed during the outage; journal: {report}");

        ates.Silos.Select(s => s.HasExited).ShouldAllBe(exited => !exited);
        ates.Silos.Select(s => s.ProcessId).ShouldBe(pids);
        recovered.ShouldAllBe(r => r > TimeSpan.Zero && r < TimeSpan.FromSeconds(30));
        report.Holds.ShouldBeTrue(report.ToString());
        var audit = await ates.AuditAsync(ates.Running.First());
        output.WriteLine(PostgresCluster.Describe(audit));
        (audit.Ok, audit.Pending).ShouldBe((true, 0L), PostgresCluster.Describe(audit));
        report.Assignments.ShouldBeGreaterThanOrEqualTo(load.Created.Count);
        report.Completions.ShouldBeGreaterThanOrEqualTo(load.Completed.Count);
    }
}
