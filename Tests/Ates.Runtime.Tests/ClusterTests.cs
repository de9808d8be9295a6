using Ates.Runtime.Testing;

namespace Ates.Runtime.Tests;

public sealed class ClusterTests
{
    private static void FastFailover(RuntimeOptions o)
    {
        o.HeartbeatPeriod = TimeSpan.FromMilliseconds(50);
        o.LeaseTtl = TimeSpan.FromMilliseconds(600);
    }

    [Fact]
    public async Task Silos_share_the_partitions_of_each_subscription_between_them()
    {
        await using var cluster = await Clusters.StartAsync(silos: 2, options: FastFailover, tally: true);
        await Probe.UntilAsync("never", () => Task.FromResult(
            cluster.Silos.All(s => s.HeldLeases.Any(l => l.StartsWith("sub:tally:", StringComparison.Ordinal)))
            && cluster.Silos.Sum(s => s.HeldLeases.Count(l => l.StartsWith("sub:tally:", StringComparison.Ordinal))) == 16));
        cluster.Silos[0].HeldLeases.Intersect(cluster.Silos[1].HeldLeases).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_killed_silos_partitions_are_taken_over_and_its_work_finished_once()
    {
        await using var cluster = await Clusters.StartAsync(silos: 2, options: FastFailover, tally: true);
        await KillOneSiloMidStreamAsync(cluster);
    }

    /// <summary>
    /// Kills the second silo half-way through 640 counter events and returns how long the survivor took to hold every
    /// tally partition; every tally ends exact, and no tally stream holds an event applied twice.
    /// </summary>
    internal static async Task<TimeSpan> KillOneSiloMidStreamAsync(TestCluster cluster)
    {
        var survivor = cluster.Silos[0];
        var victim = cluster.Silos[1];
        await Probe.UntilAsync("never", () => Task.FromResult(victim.HeldLeases.Any(l => l.StartsWith("sub:tally:", StringComparison.Ordinal))));

        var keys = Enumerable.Range(0, 32).Select(i => $"{i}-{Guid.NewGuid()}").ToArray();
        var expected = keys.ToDictionary(k => k, _ => 0L);
        System.Diagnostics.Stopwatch? killedAt = null;
        for (var i = 0; i < 640; i++)
        {
            var key = keys[i % keys.Length];
            expected[key] = await survivor.GrainFactory.GetGrain<ICounterGrain>(key).Add(1);
            if (i == 320)
            {
                cluster.KillSilo(victim); // mid-stream: some of its partitions have unprocessed events
                killedAt = System.Diagnostics.Stopwatch.StartNew();
            }
        }
        await Probe.UntilAsync("never", () => Task.FromResult(survivor.HeldLeases.Count(l => l.StartsWith("sub:tally:", StringComparison.Ordinal)) == 16),
            TimeSpan.FromSeconds(30));
        var takeover = killedAt!.Elapsed;

        await Probe.UntilAsync("tally", async () =>
        {
            foreach (var (key, total) in expected)
                if (await survivor.GrainFactory.GetGrain<ITallyGrain>(key).Total() != total) return false;
            return true;
        });
        survivor.HeldLeases.Count(l => l.StartsWith("sub:tally:", StringComparison.Ordinal)).ShouldBe(16);
        foreach (var key in keys)
        {
            (await survivor.GrainFactory.GetGrain<ITallyGrain>(key).Total()).ShouldBe(20);
            // Applied once: the tally's own stream records each counter event once, redeliveries left no trace.
            (await cluster.Store.ReadStreamAsync($"tally/{key}", 0, 1000)).Count.ShouldBe(20);
        }
        return takeover;
    }

    [Fact]
    public async Task A_stopped_silo_hands_its_partitions_back_at_once_and_a_restarted_one_takes_its_share()
    {
        await using var cluster = await Clusters.StartAsync(silos: 2, options: FastFailover, tally: true);
        await Probe.UntilAsync("never", () => Task.FromResult(cluster.Silos.All(s => s.HeldLeases.Count > 0)));

        var leaving = cluster.Silos[1];
        await cluster.StopSiloAsync(leaving);
        leaving.HeldLeases.ShouldBeEmpty();
        await Probe.UntilAsync("never", () => Task.FromResult(cluster.Silos.Single().HeldLeases.Count == 64)); // 16 partitions each of tally, batched-tally, implicit-audit and reminders

        var back = await cluster.StartAdditionalSiloAsync();
        await Probe.UntilAsync("never", () => Task.FromResult(back.HeldLeases.Count > 0));
    }

    [Fact]
    public async Task A_killed_silo_refuses_further_calls()
    {
        await using var cluster = await Clusters.StartAsync(silos: 2);
        var victim = cluster.Silos[1];
        cluster.KillSilo(victim);
        await Should.ThrowAsync<InvalidOperationException>(victim.GrainFactory.GetGrain<ICounterGrain>("x").Add(1));
        cluster.Silos.ShouldNotContain(victim);
    }
}
