using System.Collections.Concurrent;
using System.Diagnostics;
using Ates.Grains.Interfaces;

namespace Ates.Cluster.Tests;

/// <summary>
/// People using Ates through several silos at once: a manager creating tasks, the three demo workers completing theirs.
/// Keeps what was acknowledged (so the test can look for it afterwards) and what failed.
/// </summary>
public sealed class LoadOfTasks
{
    private static readonly string[] Workers = ["worker0", "worker1", "worker2"];
    private readonly Dictionary<(string User, SiloProcess Silo), AtesClient> _clients;

    private LoadOfTasks(Dictionary<(string, SiloProcess), AtesClient> clients) => _clients = clients;

    public static async Task<LoadOfTasks> SignInAsync(PostgresCluster ates)
    {
        var clients = new Dictionary<(string, SiloProcess), AtesClient>();
        foreach (var silo in ates.Running)
        foreach (var user in Workers.Append("manager"))
            clients[(user, silo)] = await ates.ClientAsync(user, silo);
        return new LoadOfTasks(clients);
    }

    public ConcurrentDictionary<Guid, bool> Created { get; } = new();

    public ConcurrentDictionary<Guid, bool> Completed { get; } = new();

    public int Failed => Volatile.Read(ref _failed);

    private int _failed;

    /// <summary>When each silo last answered a request with success (Stopwatch timestamps).</summary>
    public ConcurrentDictionary<SiloProcess, long> LastSuccess { get; } = new();

    public AtesClient Manager(SiloProcess silo) => _clients[("manager", silo)];

    /// <summary>One person's next step through <paramref name="silo"/>: two creations for every completion.</summary>
    public async Task StepAsync(Random random, SiloProcess silo, string label)
    {
        try
        {
            if (random.Next(3) > 0)
            {
                var task = await Manager(silo).CreateTaskAsync(label);
                Created[task.Id] = true;
            }
            else
            {
                var worker = _clients[(Workers[random.Next(Workers.Length)], silo)];
                var open = (await worker.ListTasksAsync("me", TaskStatuses.Open, 20)).Items;
                if (open.Count > 0)
                {
                    var done = await worker.CompleteTaskAsync(open[random.Next(open.Count)].Id);
                    Completed[done.Id] = true;
                }
            }
            LastSuccess[silo] = Stopwatch.GetTimestamp();
        }
        catch (AtesApiException ex) when ((int)ex.Status is 409 or 404)
        {
            // Completed meanwhile by the same worker through another silo: refused, nothing changed.
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException)
        {
            Interlocked.Increment(ref _failed); // an outage under test: not acknowledged, so nothing is promised
        }
    }

    /// <summary>Every acknowledged task is there, and every acknowledged completion stuck.</summary>
    public async Task NothingAcknowledgedIsLostAsync(SiloProcess through)
    {
        foreach (var id in Created.Keys)
        {
            var task = await Manager(through).GetTaskAsync(id);
            if (Completed.ContainsKey(id)) task.Status.ShouldBe(TaskStatuses.Done, $"task {id} was acknowledged as completed");
        }
    }
}
