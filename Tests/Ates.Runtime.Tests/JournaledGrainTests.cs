using Ates.Runtime.Testing;
namespace Ates.Runtime.Tests;

public sealed class JournaledGrainTests
{
    [Fact]
    public async Task State_is_the_fold_of_the_grains_events()
    {
        await using var cluster = await Clusters.StartAsync();
        var key = Guid.NewGuid().ToString();
        var counter = cluster.GrainFactory.GetGrain<ICounterGrain>(key);
        foreach (var amount in new long[] { 5, -2, 10 }) await counter.Add(amount);

        (await counter.Get()).ShouldBe(13);
        var events = await cluster.Store.ReadStreamAsync($"counter/{key}", 0, 100);
        events.Select(e => e.StreamVersion).ShouldBe([1, 2, 3]);
        events.Select(e => e.Type).Distinct().ShouldBe(["counter.added"]);
    }

    [Fact]
    public async Task A_stale_activation_on_another_silo_reloads_and_applies_the_command_once()
    {
        await using var cluster = await Clusters.StartAsync(silos: 2);
        var key = Guid.NewGuid().ToString();
        var onA = cluster.Silos[0].GrainFactory.GetGrain<ICounterGrain>(key);
        var onB = cluster.Silos[1].GrainFactory.GetGrain<ICounterGrain>(key);
        (await onB.Get()).ShouldBe(0); // B is active at version 0

        await onA.Add(1);
        (await onB.Add(10)).ShouldBe(11); // B lost the race for version 1, reloaded, decided again
        (await onA.Add(100)).ShouldBe(111);
        (await onA.GetVersion()).ShouldBe(3);
    }

    [Fact]
    public async Task Two_silos_writing_the_same_grain_never_lose_an_acknowledged_update()
    {
        await using var cluster = await Clusters.StartAsync(silos: 2);
        await TwoSilosWriteOneGrainAsync(cluster);
    }

    /// <summary>4 writers on each of two silos add to one counter; what the store holds is exactly what was acknowledged.</summary>
    internal static async Task TwoSilosWriteOneGrainAsync(TestCluster cluster)
    {
        var key = Guid.NewGuid().ToString();
        long acknowledged = 0;
        var conflicts = 0;

        var writers = cluster.Silos.SelectMany(silo => Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var counter = silo.GrainFactory.GetGrain<ICounterGrain>(key);
            for (var i = 0; i < 150; i++)
            {
                var amount = w + 1;
                try
                {
                    await counter.Add(amount);
                    Interlocked.Add(ref acknowledged, amount);
                }
                catch (VersionConflictException)
                {
                    Interlocked.Increment(ref conflicts); // refused, not applied: the caller knows
                }
            }
        }))).ToArray();
        await Task.WhenAll(writers);

        var events = await cluster.Store.ReadStreamAsync($"counter/{key}", 0, 10_000);
        var stored = events.Sum(e => System.Text.Json.JsonSerializer.Deserialize<CounterAdded>(e.Data, JsonEventSerializer.Options)!.Amount);
        stored.ShouldBe(acknowledged);
        events.Select(e => e.StreamVersion).ShouldBe(Enumerable.Range(1, events.Count).Select(v => (long)v));
        // A fresh activation (here: the other silo's, after a reload on its next command) agrees with the store.
        (await cluster.Silos[1].GrainFactory.GetGrain<ICounterGrain>(key).Add(0)).ShouldBe(acknowledged);
    }

    [Fact]
    public async Task State_after_a_restart_equals_state_before_with_snapshots_and_without()
    {
        var directory = Clusters.NewDataDirectory();
        var keys = Enumerable.Range(0, 20).Select(i => $"{i}-{Guid.NewGuid()}").ToArray();
        var before = new Dictionary<string, (long Total, long Version)>();

        await using (var cluster = await Clusters.StartAsync(dataDirectory: directory))
        {
            for (var i = 0; i < keys.Length; i++)
            {
                var counter = cluster.GrainFactory.GetGrain<ICounterGrain>(keys[i]);
                for (var n = 0; n < i * 3; n++) await counter.Add(n - 7); // 0 to 57 events: some streams pass several snapshots
                before[keys[i]] = (await counter.Get(), await counter.GetVersion());
            }
            (await cluster.Store.ReadSnapshotAsync($"counter/{keys[19]}"))!.Version.ShouldBe(50);
        }

        await using (var restarted = await Clusters.StartAsync(dataDirectory: directory))
        {
            foreach (var key in keys)
            {
                var counter = restarted.GrainFactory.GetGrain<ICounterGrain>(key);
                (await counter.Get(), await counter.GetVersion()).ShouldBe(before[key]);
            }
        }
    }
}
