using System.Diagnostics;
using Xunit.Abstractions;

namespace Ates.Domain.Tests;

/// <summary>A silo of three killed (no goodbye, as a crash) while tasks are created and completed through every silo.</summary>
public sealed class SiloFailureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_killed_under_load_loses_no_acknowledged_task_and_charges_and_credits_each_exactly_once()
    {
        await using var ates = await DomainCluster.StartAsync(silos: 3, seed: 77);
        var manager = await ates.UserAsync(Roles.Manager);
        for (var i = 0; i < 5; i++) await ates.UserAsync(Roles.Worker);
        var victim = ates.Silos[2];

        var created = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        var completed = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        var failedWithTheSilo = 0;
        Stopwatch? sinceKill = null;
        TimeSpan? firstSuccessAfterKill = null;
        async Task Actor(int seed)
        {
            var random = new Random(seed);
            for (var op = 0; op < 150; op++)
            {
                if (seed == 0 && op == 60)
                {
                    sinceKill = Stopwatch.StartNew();
                    await ates.Cluster.KillSiloAsync(victim);
                }
                try
                {
                    // Calls enter through every running silo; grains that lived on the victim come back elsewhere.
                    if (random.Next(3) > 0)
                    {
                        created.Add((await ates.CreateTaskAsync(manager.Id)).Id);
                    }
                    else
                    {
                        var open = (await ates.Board().List(null, TaskStatuses.Open, null, 20, null, null)).Items;
                        if (open.Count == 0) continue;
                        var task = open[random.Next(open.Count)];
                        await ates.CompleteAsync(task.Id, task.AssigneeId);
                        completed.Add(task.Id);
                    }
                    if (sinceKill is not null && firstSuccessAfterKill is null) firstSuccessAfterKill = sinceKill.Elapsed;
                }
                catch (DomainException)
                {
                    // Completed meanwhile by another actor: refused, nothing changed.
                }
                catch (Exception) when (sinceKill is not null)
                {
                    Interlocked.Increment(ref failedWithTheSilo); // a call that was in flight on the killed silo
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => Actor(i))));
        await ates.SettledAsync(TimeSpan.FromMinutes(2));
        var settled = sinceKill!.Elapsed;

        var report = await ates.InvariantsAsync();
        var events = await ReadAllAsync(ates);
        var tasksCreated = events.OfType<TaskCreated>().Select(t => t.TaskId).ToHashSet();
        var completions = events.OfType<TaskCompleted>().ToList();
        output.WriteLine($"{created.Count} creations and {completed.Count} completions acknowledged, {failedWithTheSilo} calls failed with the killed silo; " +
                         $"first successful call {firstSuccessAfterKill?.TotalMilliseconds:F0} ms after the kill, all subscriptions settled {settled.TotalSeconds:F1} s after it");
        output.WriteLine($"journal: {tasksCreated.Count} tasks created, {report.Assignments} assignments with {report.FeesCharged} charged, " +
                         $"{report.Completions} completions with {report.RewardsCredited} credited; {report}");

        report.Holds.ShouldBeTrue(report.ToString()); // one fee per assignment, one reward per completion, the sums agree

        await ates.AuditAsync();
        created.ShouldAllBe(id => tasksCreated.Contains(id), "every acknowledged task is in the journal");
        completions.Select(c => c.TaskId).ShouldBeUnique("no task completed twice");
        completed.ShouldAllBe(id => completions.Any(c => c.TaskId == id), "every acknowledged completion is in the journal");
        report.Assignments.ShouldBe(tasksCreated.Count);
        ates.Cluster.GetActiveSilos().Count().ShouldBe(2);
    }

    private static async Task<List<object>> ReadAllAsync(DomainCluster ates)
    {
        var all = new List<object>();
        var position = JournalPosition.Start;
        while (true)
        {
            var page = await ates.Journal.ReadLogAsync(position, 4096);
            if (page.Count == 0) return all;
            all.AddRange(page.Select(ates.Serializer.Deserialize));
            position = page[^1].Position;
        }
    }
}
