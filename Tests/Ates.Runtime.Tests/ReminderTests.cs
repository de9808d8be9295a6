using Ates.Runtime.Testing;

namespace Ates.Runtime.Tests;

public sealed class ReminderTests
{
    [Fact]
    public async Task A_reminder_fires_when_due_and_then_every_period()
    {
        var time = new ManualTimeProvider();
        await using var cluster = await Clusters.StartAsync(time: time);
        var key = Guid.NewGuid().ToString();
        var start = time.GetUtcNow();
        await cluster.GrainFactory.GetGrain<IAlarmGrain>(key).Set(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(10));

        time.Advance(TimeSpan.FromSeconds(59));
        Probe.Entries(key).ShouldBeEmpty();

        var tick = Probe.WaitAsync(key + "/tick");
        time.Advance(TimeSpan.FromSeconds(1));
        await tick.WaitAsync(TimeSpan.FromSeconds(10));
        Probe.Entries(key).ShouldBe([$"tick:{start.AddMinutes(1):O}@{start.AddMinutes(1):O}"]);

        await Probe.UntilAsync("never", async () =>
            (await cluster.Store.ReadRemindersAsync(new GrainId("alarm", key))).Single().DueAt == start.AddMinutes(11));
        tick = Probe.WaitAsync(key + "/tick");
        time.Advance(TimeSpan.FromMinutes(10));
        await tick.WaitAsync(TimeSpan.FromSeconds(10));
        Probe.Entries(key).Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_reminder_that_fell_due_while_no_silo_ran_fires_at_start()
    {
        var time = new ManualTimeProvider();
        var directory = Clusters.NewDataDirectory();
        var key = Guid.NewGuid().ToString();
        var start = time.GetUtcNow();
        await using (var cluster = await Clusters.StartAsync(time: time, dataDirectory: directory))
        {
            await cluster.GrainFactory.GetGrain<IAlarmGrain>(key).Set(TimeSpan.FromMinutes(5), TimeSpan.FromHours(1));
        }

        time.Advance(TimeSpan.FromMinutes(30)); // downtime: the reminder fell due at minute 5
        Probe.Entries(key).ShouldBeEmpty();

        var tick = Probe.WaitAsync(key + "/tick");
        await using var restarted = await Clusters.StartAsync(time: time, dataDirectory: directory);
        await tick.WaitAsync(TimeSpan.FromSeconds(10));
        Probe.Entries(key).ShouldBe([$"tick:{start.AddMinutes(5):O}@{start.AddMinutes(30):O}"]);
        // Missed ticks are not replayed one by one: the next one is the next period boundary.
        await Probe.UntilAsync("never", async () =>
            (await restarted.Store.ReadRemindersAsync(new GrainId("alarm", key))).Single().DueAt == start.AddMinutes(65));
    }

    [Fact]
    public async Task An_unregistered_reminder_does_not_fire()
    {
        var time = new ManualTimeProvider();
        await using var cluster = await Clusters.StartAsync(time: time);
        var key = Guid.NewGuid().ToString();
        var alarm = cluster.GrainFactory.GetGrain<IAlarmGrain>(key);
        await alarm.Set(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await alarm.Clear();
        time.Advance(TimeSpan.FromMinutes(5));
        (await cluster.Store.ReadRemindersAsync(new GrainId("alarm", key))).ShouldBeEmpty();
        Probe.Entries(key).ShouldBeEmpty();
    }
}
