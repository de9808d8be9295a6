using Microsoft.Extensions.DependencyInjection;
using System.Diagnostics;
using Ates.Runtime.Storage.Postgres;
using Ates.Runtime.Testing;
using Xunit.Abstractions;

namespace Ates.Domain.Tests;

/// <summary>The aTES domain on three silos sharing one real PostgreSQL, one of them killed while the money flows.</summary>
public sealed class PostgresFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_killed_under_load_is_taken_over_within_ten_seconds_and_the_money_invariants_hold()
    {
        var server = await PostgresTestServer.SharedAsync();
        var database = await server.CreateDatabaseAsync();
        // Production heartbeat (1 s) and lease TTL (5 s).
        await using var ates = await DomainCluster.StartAsync(silos: 3, seed: 77,
            store: time => PostgresStore.OpenAsync(new PostgresStoreOptions { ConnectionString = database }, time).GetAwaiter().GetResult());
        var manager = await ates.UserAsync(Roles.Manager);
        for (var i = 0; i < 5; i++) await ates.UserAsync(Roles.Worker);
        var victim = ates.Silos[2];
        var allLeases = ates.Cluster.Store.Partitions * (ates.Silos[0].Services.GetServices<SubscriptionDefinition>().Count() + 1);
        await ates.UntilAsync(() => Task.FromResult(ates.Silos.Sum(s => s.HeldLeases.Count) == allLeases && victim.HeldLeases.Count > 0));
        var leasesPerSilo = ates.Silos.Select(s => s.HeldLeases.Count).ToList();

        var created = 0;
        var completed = 0;
        var failedWithTheSilo = 0;
        Stopwatch? sinceKill = null;
        async Task Actor(int seed)
        {
            var random = new Random(seed);
            for (var op = 0; op < 150; op++)
            {
                if (seed == 0 && op == 75)
                {
                    ates.Cluster.KillSilo(victim); // mid-stream: its partitions hold events nobody has processed yet
                    sinceKill = Stopwatch.StartNew();
                }
                try
                {
                    // Requests go to every running silo, the victim included until it dies.
                    if (random.Next(3) > 0)
                    {
                        await ates.CreateTaskAsync(manager.Id);
                        Interlocked.Increment(ref created);
                    }
                    else
                    {
                        var open = (await ates.Board().List(null, TaskStatuses.Open, 20, null)).Items;
                        if (open.Count == 0) continue;
                        var task = open[random.Next(open.Count)];
                        await ates.CompleteAsync(task.Id, task.AssigneeId);
                        Interlocked.Increment(ref completed);
                    }
                }
                catch (Exception ex) when (ex is DomainException or VersionConflictException)
                {
                    // Completed meanwhile by another actor (through another silo): refused, nothing changed.
                }
                catch (Exception) when (sinceKill is not null)
                {
                    Interlocked.Increment(ref failedWithTheSilo); // a call that was in flight on the killed silo
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => Actor(i))));

        await ates.UntilAsync(() => Task.FromResult(ates.Silos.Sum(s => s.HeldLeases.Count) == allLeases), TimeSpan.FromSeconds(30));
        var takeover = sinceKill!.Elapsed;
        await ates.SettledAsync(TimeSpan.FromMinutes(1));
        var report = await ates.InvariantsAsync();
        output.WriteLine($"leases before the kill {string.Join('/', leasesPerSilo)}; all {allLeases} held by the survivors {takeover.TotalSeconds:F2} s after it; " +
                         $"{created} created, {completed} completed, {failedWithTheSilo} calls failed with the silo; {report}");

        takeover.ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(10));
        ates.Silos.Count.ShouldBe(2);
        report.Holds.ShouldBeTrue(report.ToString());
        report.Assignments.ShouldBeGreaterThanOrEqualTo(created);
        report.Completions.ShouldBeGreaterThanOrEqualTo(completed);
    }
}
