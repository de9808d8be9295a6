using Ates.Runtime.Testing;

namespace Ates.Runtime.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public async Task A_grain_activates_on_its_first_call_and_keeps_its_activation()
    {
        await using var cluster = await Clusters.StartAsync();
        var key = Guid.NewGuid().ToString();
        var silo = cluster.Silos[0];
        silo.IsActive(new GrainId("lifecycle", key)).ShouldBeFalse();

        var grain = cluster.GrainFactory.GetGrain<ILifecycleGrain>(key);
        Probe.Entries(key).ShouldBeEmpty(); // a reference alone activates nothing
        (await grain.Ping()).ShouldBe(1);
        (await grain.Ping()).ShouldBe(2);

        silo.IsActive(new GrainId("lifecycle", key)).ShouldBeTrue();
        Probe.Count(key, "activate").ShouldBe(1);
    }

    [Fact]
    public async Task An_idle_grain_is_deactivated_after_the_collection_age_and_reactivated_on_the_next_call()
    {
        var time = new ManualTimeProvider();
        await using var cluster = await Clusters.StartAsync(time: time);
        var key = Guid.NewGuid().ToString();
        var grain = cluster.GrainFactory.GetGrain<ILifecycleGrain>(key);
        await grain.Ping();

        time.Advance(TimeSpan.FromMinutes(14));
        cluster.Silos[0].IsActive(new GrainId("lifecycle", key)).ShouldBeTrue();

        var deactivated = Probe.WaitAsync(key + "/deactivated");
        time.Advance(TimeSpan.FromMinutes(3));
        await deactivated.WaitAsync(TimeSpan.FromSeconds(10));
        Probe.Entries(key).ShouldBe(["activate", "deactivate:Idle"]);

        (await grain.Ping()).ShouldBe(1); // a fresh activation: in-memory state started over
        Probe.Count(key, "activate").ShouldBe(2);
    }

    [Fact]
    public async Task A_grain_in_use_is_not_collected()
    {
        var time = new ManualTimeProvider();
        await using var cluster = await Clusters.StartAsync(time: time);
        var key = Guid.NewGuid().ToString();
        var grain = cluster.GrainFactory.GetGrain<ILifecycleGrain>(key);
        for (var minute = 0; minute < 40; minute++)
        {
            await grain.Ping();
            time.Advance(TimeSpan.FromMinutes(1));
        }
        Probe.Count(key, "activate").ShouldBe(1);
        Probe.Entries(key).ShouldNotContain("deactivate:Idle");
    }

    [Fact]
    public async Task A_class_can_override_the_collection_age()
    {
        var time = new ManualTimeProvider();
        await using var cluster = await Clusters.StartAsync(time: time);
        var key = Guid.NewGuid().ToString();
        await cluster.GrainFactory.GetGrain<IShortLivedGrain>(key).Ping();

        var deactivated = Probe.WaitAsync(key + "/deactivated");
        time.Advance(TimeSpan.FromMinutes(4));
        await deactivated.WaitAsync(TimeSpan.FromSeconds(10));
        cluster.Silos[0].IsActive(new GrainId("shortlived", key)).ShouldBeFalse();
    }

    [Fact]
    public async Task A_grain_can_ask_to_be_deactivated_after_its_call()
    {
        await using var cluster = await Clusters.StartAsync();
        var key = Guid.NewGuid().ToString();
        var deactivated = Probe.WaitAsync(key + "/deactivated");
        await cluster.GrainFactory.GetGrain<ILifecycleGrain>(key).Leave();
        await deactivated.WaitAsync(TimeSpan.FromSeconds(10));
        Probe.Entries(key).ShouldBe(["activate", "deactivate:Requested"]);
    }

    [Fact]
    public async Task Graceful_shutdown_deactivates_every_grain()
    {
        var cluster = await Clusters.StartAsync();
        var key = Guid.NewGuid().ToString();
        await cluster.GrainFactory.GetGrain<ILifecycleGrain>(key).Ping();
        await cluster.DisposeAsync();
        Probe.Entries(key).ShouldBe(["activate", "deactivate:Shutdown"]);
    }

    [Fact]
    public async Task A_call_that_does_not_finish_times_out_after_the_call_timeout()
    {
        var time = new ManualTimeProvider();
        await using var cluster = await Clusters.StartAsync(time: time);
        var grain = cluster.GrainFactory.GetGrain<ILifecycleGrain>(Guid.NewGuid().ToString());
        await grain.Ping();

        var gate = Guid.NewGuid().ToString();
        var hang = grain.Hang(gate);
        time.Advance(TimeSpan.FromSeconds(29));
        hang.IsCompleted.ShouldBeFalse();
        time.Advance(TimeSpan.FromSeconds(2));
        var error = await Should.ThrowAsync<TimeoutException>(hang);
        error.Message.ShouldContain("did not complete within 00:00:30");
        Probe.Gate(gate).SetResult(); // the grain's turn ends, so shutdown can deactivate it
    }

    [Fact]
    public async Task A_failed_call_surfaces_its_exception_and_is_never_retried()
    {
        await using var cluster = await Clusters.StartAsync();
        var key = Guid.NewGuid().ToString();
        var grain = cluster.GrainFactory.GetGrain<ILifecycleGrain>(key);

        var error = await Should.ThrowAsync<InvalidOperationException>(grain.Fail());
        error.Message.ShouldBe("boom");
        Probe.Count(key, "fail").ShouldBe(1);
        (await grain.Ping()).ShouldBe(1); // the activation survives a failed call
    }

    [Fact]
    public async Task A_failed_activation_fails_the_call_and_the_next_call_activates_afresh()
    {
        await using var cluster = await Clusters.StartAsync();
        var key = "fail-activation-" + Guid.NewGuid();
        var grain = cluster.GrainFactory.GetGrain<ILifecycleGrain>(key);

        (await Should.ThrowAsync<InvalidOperationException>(grain.Ping())).Message.ShouldBe("activation refused once");
        (await grain.Ping()).ShouldBe(1);
        Probe.Count(key, "activate").ShouldBe(2);
    }

    [Fact]
    public async Task A_grain_interface_without_a_class_is_a_clear_error()
    {
        await using var cluster = await Clusters.StartAsync();
        Should.Throw<InvalidOperationException>(() => cluster.GrainFactory.GetGrain<IUnimplementedGrain>("x"))
            .Message.ShouldContain("No grain class implements IUnimplementedGrain");
    }
}

public interface IUnimplementedGrain : IGrainWithStringKey
{
    Task Nothing();
}
