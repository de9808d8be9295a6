using Ates.Runtime;
using Ates.Runtime.Testing;

namespace Ates.Bench;

public interface IBenchCounterGrain : IGrainWithGuidKey
{
    Task<int> Increment();
}

public sealed class BenchCounterGrain : Grain, IBenchCounterGrain
{
    private int _count;

    public Task<int> Increment() => Task.FromResult(++_count);
}

/// <summary>The baseline: the same work as a plain method call behind a lock, with no runtime in between.</summary>
public sealed class LockedCounter
{
    private readonly Lock _sync = new();
    private int _count;

    public Task<int> Increment()
    {
        lock (_sync) return Task.FromResult(++_count);
    }
}

/// <summary>Local (in-process) grain calls against a direct locked call, same workers, same run.</summary>
public static class GrainCallBench
{
    public static async Task<IReadOnlyList<Measurement>> RunAsync(int callsPerWorker)
    {
        await using var cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            InitialSilos = 1,
            ConfigureSilo = silo => silo.AddGrains(typeof(GrainCallBench).Assembly),
        });
        var grains = cluster.GrainFactory;
        var workers = Environment.ProcessorCount * 2;
        var results = new List<Measurement>();

        // Warm up both paths (JIT, tiering, activations).
        var warmGrains = Enumerable.Range(0, workers).Select(_ => grains.GetGrain<IBenchCounterGrain>(Guid.NewGuid())).ToArray();
        for (var round = 0; round < 3; round++)
        {
            await Load.RunAsync("warm-up", "", workers, 200_000, w => warmGrains[w].Increment);
            var warmLocks = Enumerable.Range(0, workers).Select(_ => new LockedCounter()).ToArray();
            await Load.RunAsync("warm-up", "", workers, 200_000, w => warmLocks[w].Increment);
        }

        var ownGrains = Enumerable.Range(0, workers).Select(_ => grains.GetGrain<IBenchCounterGrain>(Guid.NewGuid())).ToArray();
        foreach (var grain in ownGrains) await grain.Increment();
        var ownLocks = Enumerable.Range(0, workers).Select(_ => new LockedCounter()).ToArray();
        results.Add(await Load.RunAsync("grain calls, a grain per caller", "Ates grain call", workers, callsPerWorker, w => ownGrains[w].Increment, $"{workers} callers"));
        results.Add(await Load.RunAsync("grain calls, a grain per caller", "baseline: locked method", workers, callsPerWorker, w => ownLocks[w].Increment, $"{workers} callers"));

        var shared = grains.GetGrain<IBenchCounterGrain>(Guid.NewGuid());
        var sharedLock = new LockedCounter();
        results.Add(await Load.RunAsync("grain calls, one shared grain", "Ates grain call", workers, callsPerWorker / 2, _ => shared.Increment, $"{workers} callers"));
        results.Add(await Load.RunAsync("grain calls, one shared grain", "baseline: locked method", workers, callsPerWorker / 2, _ => sharedLock.Increment, $"{workers} callers"));
        return results;
    }
}
