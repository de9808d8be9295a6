using System.Diagnostics;
using Xunit.Abstractions;

namespace Ates.Cluster.Tests;

public sealed class SiloFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_killed_with_SIGKILL_under_HTTP_load_loses_no_acknowledged_task_and_charges_and_credits_each_exactly_once()
    {
        await using var ates = await PostgresCluster.StartAsync(silos: 3);
        var victim = ates.Silos[2];
        var survivors = ates.Silos.Take(2).ToList();
        var load = await LoadOfTasks.SignInAsync(ates);
        await ates.StatusAsync(survivors[0]); // the operator signs in before the kill
        var killed = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task Person(int seed)
        {
            var random = new Random(seed);
            for (var op = 0; op < 120; op++)
            {
                // A load balancer that health-checks: the victim gets requests until it is gone.
                var silos = killed.Task.IsCompleted ? survivors : ates.Silos;
                await load.StepAsync(random, silos[random.Next(silos.Count)], $"load {seed}/{op}");
            }
        }
        var people = Enumerable.Range(0, 4).Select(i => Task.Run(() => Person(i))).ToList();

        while (load.Created.Count < 80) await Task.Delay(10);
        var createdBeforeKill = load.Created.Keys.ToList();
        victim.Kill();
        var killedAt = Stopwatch.GetTimestamp();
        killed.SetResult(killedAt);

        // Declared dead: the survivors' membership says so (asked every 50 ms; a 503 meanwhile is the outage itself).
        while (!await ates.DeclaredDeadAsync(victim, survivors[0])) await Task.Delay(50);
        var declaredDead = Stopwatch.GetElapsedTime(killedAt);
        // Every task acknowledged before the kill answers again (those whose grains lived on the victim have moved).
        var failedReads = 0;
        await Task.WhenAll(createdBeforeKill.Select(async id =>
        {
            while (true)
            {
                try
                {
                    await load.Manager(survivors[0]).GetTaskAsync(id);
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException)
                {
                    Interlocked.Increment(ref failedReads); // its grain was on the victim and has not moved yet
                }
            }
        }));
        var allServed = Stopwatch.GetElapsedTime(killedAt);
        await Task.WhenAll(people);
        var firstSuccess = survivors.Select(s => Stopwatch.GetElapsedTime(killedAt, load.LastSuccess[s])).Min();
        var settle = Stopwatch.StartNew();
        await ates.SettledAsync(TimeSpan.FromSeconds(60));

        await load.NothingAcknowledgedIsLostAsync(survivors[1]);
        var report = await ates.InvariantsAsync();
        output.WriteLine($"{load.Created.Count} creations and {load.Completed.Count} completions acknowledged ({createdBeforeKill.Count} created before the kill), " +
                         $"{load.Failed} requests failed with the killed silo; declared dead {declaredDead.TotalSeconds:F2} s after SIGKILL, " +
                         $"every task created before the kill served again {allServed.TotalSeconds:F2} s after ({failedReads} reads failed meanwhile), subscriptions settled " +
                         $"{settle.Elapsed.TotalSeconds:F1} s after the load; survivors logged {survivors.Sum(s => s.Logged.Warnings)} warnings, " +
                         $"{survivors.Sum(s => s.Logged.Errors)} errors; journal: {report}");

        foreach (var line in survivors.SelectMany(s => s.ErrorLines)) output.WriteLine(line);
        report.Holds.ShouldBeTrue(report.ToString());
        var audit = await ates.AuditAsync(ates.Running.First());
        output.WriteLine(PostgresCluster.Describe(audit));
        (audit.Ok, audit.Pending).ShouldBe((true, 0L), PostgresCluster.Describe(audit));
        report.Assignments.ShouldBeGreaterThanOrEqualTo(load.Created.Count);
        report.Completions.ShouldBeGreaterThanOrEqualTo(load.Completed.Count);
        declaredDead.ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(5));
        allServed.ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(10));
        survivors.ShouldAllBe(s => !s.HasExited);
    }
}
