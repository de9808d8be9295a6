namespace Ates.Runtime.Tests;

public sealed class TurnTests
{
    [Fact]
    public async Task Calls_to_one_grain_never_overlap_under_concurrent_load()
    {
        await using var cluster = await Clusters.StartAsync();
        var grain = cluster.GrainFactory.GetGrain<ITurnProbeGrain>(Guid.NewGuid());

        // 64 callers × 100 calls, each call yielding to the thread pool 3 times while "inside".
        var callers = Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++) await grain.Write(yields: 3);
        }));
        await Task.WhenAll(callers);

        (await grain.MaxConcurrent()).ShouldBe(1);
        (await grain.Write(0)).ShouldBe(6401);
    }

    [Fact]
    public async Task A_call_waits_until_the_running_call_has_finished()
    {
        await using var cluster = await Clusters.StartAsync();
        var grain = cluster.GrainFactory.GetGrain<ITurnProbeGrain>(Guid.NewGuid());
        var gate = Guid.NewGuid().ToString();

        var entered = Probe.WaitAsync(gate + "/entered");
        var first = grain.WriteBlockedBy(gate);
        await entered;
        var second = grain.Write(0);

        // Write(0) never awaits, so had it entered the grain it would already be complete.
        second.IsCompleted.ShouldBeFalse();
        Probe.Gate(gate).SetResult();
        (await first).ShouldBe(1);
        (await second).ShouldBe(2);
    }

    [Fact]
    public async Task Read_only_calls_interleave_with_each_other()
    {
        await using var cluster = await Clusters.StartAsync();
        var grain = cluster.GrainFactory.GetGrain<ITurnProbeGrain>(Guid.NewGuid());
        var rendezvous = Guid.NewGuid().ToString();

        // Each call returns only when all three are inside together: impossible if they were serialized.
        var reads = Enumerable.Range(0, 3).Select(_ => grain.ReadTogether(rendezvous, expected: 3)).ToArray();
        var all = await Task.WhenAll(reads).WaitAsync(TimeSpan.FromSeconds(10));
        all.Order().ShouldBe([1, 2, 3]);
    }

    [Fact]
    public async Task A_writer_waits_for_running_readers_and_later_readers_wait_for_the_writer()
    {
        await using var cluster = await Clusters.StartAsync();
        var grain = cluster.GrainFactory.GetGrain<ITurnProbeGrain>(Guid.NewGuid());
        var rendezvous = Guid.NewGuid().ToString();

        var reader = grain.ReadTogether(rendezvous, expected: 2); // blocked until a second reader joins
        await Probe.UntilAsync(rendezvous + "/arrived", () => Task.FromResult(Probe.Rendezvous.GetValueOrDefault(rendezvous) == 1));
        var writer = grain.Write(0);
        var lateReader = grain.ReadTogether(rendezvous, expected: 2);

        // Neither call awaits once inside (the late reader would find 2 arrivals), so had either entered it would be complete:
        // the writer queues behind the running reader, the late reader behind the waiting writer.
        writer.IsCompleted.ShouldBeFalse();
        lateReader.IsCompleted.ShouldBeFalse();
        reader.IsCompleted.ShouldBeFalse();
        Probe.Rendezvous[rendezvous] = 2;
        Probe.Signal(rendezvous + "/arrived");
        await reader;
        (await writer).ShouldBe(1);
        await lateReader;
    }
}
