using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Ates.Cluster.Tests;

/// <summary>
/// The task board is rows in the journal's file, not tasks in memory: a silo that starts again lists its tasks at once,
/// and a silo killed while the board's writers work loses no row.
/// </summary>
public sealed class TaskBoardRestartTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_silo_killed_and_started_again_lists_every_task_it_acknowledged_at_once()
    {
        var data = Directory.CreateTempSubdirectory("ates-board-").FullName;
        try
        {
            await RestartAsync(data);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private async Task RestartAsync(string data)
    {
        var settings = new Dictionary<string, string> { ["Ates__Storage"] = "Embedded", ["Ates__DataDirectory"] = data };
        var created = new List<Guid>();
        await using (var first = SiloProcess.Start(settings))
        {
            await first.WaitReadyAsync(TimeSpan.FromSeconds(90));
            var manager = new AtesClient(first.Http);
            await manager.SignInAsync("manager@ates.local", "manager");
            for (var round = 0; round < 20; round++)
                created.AddRange((await Task.WhenAll(Enumerable.Range(0, 20).Select(i => manager.CreateTaskAsync($"Board task {round}-{i}")))).Select(t => t.Id));
            first.Kill(); // SIGKILL, right after the last acknowledgement: the board's writers may be mid-delivery
        }

        await using var again = SiloProcess.Start(settings);
        await again.WaitReadyAsync(TimeSpan.FromSeconds(90));
        var client = new AtesClient(again.Http);
        await client.SignInAsync("manager@ates.local", "manager");
        var listing = Stopwatch.StartNew();
        var listed = new List<Guid>();
        string? after = null;
        do
        {
            var page = await client.ListTasksAsync(limit: 500, after: after);
            listed.AddRange(page.Items.Select(t => t.Id));
            after = page.Next;
        } while (after is not null);
        output.WriteLine($"{created.Count} tasks acknowledged before SIGKILL; after the restart, {listed.Count} listed in {listing.ElapsedMilliseconds} ms");
        listed.Order().ShouldBe(created.Order(), "every acknowledged task, once");
        (await client.ListTasksAsync(limit: 50)).Items.Count.ShouldBe(50);

        // And the books after the kill: every fee once, once billing has caught up with what the killed silo left.
        var accountant = new AtesClient(again.Http);
        await accountant.SignInAsync("accountant@ates.local", "accountant");
        var audit = await accountant.AuditAsync();
        for (var waited = Stopwatch.StartNew(); audit.Pending > 0 && waited.Elapsed < TimeSpan.FromSeconds(30);)
        {
            await Task.Delay(100); // another process's checkpoints: nothing to await but its answer
            audit = await accountant.AuditAsync();
        }
        output.WriteLine(PostgresCluster.Describe(audit));
        (audit.Ok, audit.Pending, audit.Tasks).ShouldBe((true, 0L, created.Count), PostgresCluster.Describe(audit));
    }
}
