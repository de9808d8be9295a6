using Ates.Runtime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ates.Runtime.Tests;

public sealed class StreamTests
{
    private static async Task<long> TallyOf(TestCluster cluster, string key) => await cluster.GrainFactory.GetGrain<ITallyGrain>(key).Total();

    private static Task UntilTalliedAsync(TestCluster cluster, IReadOnlyDictionary<string, long> expected, TimeSpan? timeout = null) =>
        Probe.UntilAsync("tally", async () =>
        {
            foreach (var (key, total) in expected)
                if (await TallyOf(cluster, key) != total) return false;
            return true;
        }, timeout);

    [Fact]
    public async Task A_subscription_delivers_every_event_to_the_grain_its_route_names()
    {
        await using var cluster = await Clusters.StartAsync(tally: true);
        var expected = new Dictionary<string, long>();
        for (var i = 0; i < 30; i++)
        {
            var key = $"{i % 6}-{Guid.NewGuid()}";
            expected[key] = await cluster.GrainFactory.GetGrain<ICounterGrain>(key).Add(i + 1);
        }
        await UntilTalliedAsync(cluster, expected);
    }

    [Fact]
    public async Task An_implicit_subscription_routes_each_stream_to_the_grain_with_its_key_in_order()
    {
        await using var cluster = await Clusters.StartAsync();
        var key = Guid.NewGuid().ToString();
        var counter = cluster.GrainFactory.GetGrain<ICounterGrain>(key);
        for (var i = 0; i < 25; i++) await counter.Add(1);

        var audit = cluster.GrainFactory.GetGrain<IAuditGrain>(key);
        await Probe.UntilAsync("audit", async () => (await audit.Versions()).Count == 25);
        (await audit.Versions()).ShouldBe(Enumerable.Range(1, 25).Select(v => (long)v)); // in stream order
    }

    [Fact]
    public async Task A_subscription_resumes_from_its_checkpoint_after_a_restart_without_loss_or_double_effect()
    {
        var directory = Clusters.NewDataDirectory();
        var keys = Enumerable.Range(0, 8).Select(i => $"{i}-{Guid.NewGuid()}").ToArray();
        var expected = keys.ToDictionary(k => k, _ => 0L);

        await using (var cluster = await Clusters.StartAsync(dataDirectory: directory, tally: true))
        {
            for (var i = 0; i < 80; i++) expected[keys[i % 8]] = await cluster.GrainFactory.GetGrain<ICounterGrain>(keys[i % 8]).Add(i);
            await UntilTalliedAsync(cluster, expected);
        }
        IEnumerable<string> Deliveries() => keys.SelectMany(k => Probe.Entries($"tally-deliveries/{k}"));
        var before = Deliveries().ToList();

        await using (var restarted = await Clusters.StartAsync(dataDirectory: directory, tally: true))
        {
            var newEvents = new HashSet<string>();
            for (var i = 0; i < 40; i++)
            {
                var key = keys[i % 8];
                expected[key] = await restarted.GrainFactory.GetGrain<ICounterGrain>(key).Add(1000 + i);
                newEvents.Add((await restarted.Store.ReadStreamAsync($"counter/{key}", 0, 1000))[^1].EventId.ToString());
            }
            await UntilTalliedAsync(restarted, expected);

            // Resumed from the checkpoint: none of the first run's events was delivered again.
            var deliveredAfter = Deliveries().ToList();
            foreach (var id in before) deliveredAfter.Remove(id);
            deliveredAfter.ShouldBeSubsetOf(newEvents);
            deliveredAfter.Count.ShouldBe(40);
        }
    }

    [Fact]
    public async Task A_killed_silo_leaves_redelivery_that_changes_no_effect()
    {
        var directory = Clusters.NewDataDirectory();
        var keys = Enumerable.Range(0, 4).Select(i => $"{i}-{Guid.NewGuid()}").ToArray();
        var expected = keys.ToDictionary(k => k, _ => 0L);

        var cluster = await Clusters.StartAsync(dataDirectory: directory, tally: true);
        for (var i = 0; i < 400; i++) expected[keys[i % 4]] = await cluster.GrainFactory.GetGrain<ICounterGrain>(keys[i % 4]).Add(1);
        cluster.KillSilo(cluster.Silos[0]); // mid-stream: checkpoints lag whatever was applied
        await cluster.DisposeAsync();

        await using var restarted = await Clusters.StartAsync(dataDirectory: directory, tally: true);
        await UntilTalliedAsync(restarted, expected);
        foreach (var key in keys) (await TallyOf(restarted, key)).ShouldBe(100);
    }

    [Fact]
    public async Task A_poison_event_is_parked_while_later_events_of_its_partition_are_processed()
    {
        await using var cluster = await Clusters.StartAsync(tally: true);
        var key = "poison-" + Guid.NewGuid();
        var counter = cluster.GrainFactory.GetGrain<ICounterGrain>(key); // one stream, so one partition
        foreach (var amount in new long[] { 1, 2, -13, 4, 5 }) await counter.Add(amount);

        await UntilTalliedAsync(cluster, new Dictionary<string, long> { [key] = 12 });
        var operations = cluster.Silos[0].Services.GetRequiredService<SubscriptionOperations>();
        var parked = (await operations.ListDeadLettersAsync()).Where(d => d.StreamId == $"counter/{key}").ToList();
        parked.Count.ShouldBe(1);
        parked[0].Subscription.ShouldBe("tally");
        parked[0].StreamVersion.ShouldBe(3);
        parked[0].Attempts.ShouldBe(5);
        parked[0].Error.ShouldContain("poison event");
    }

    [Fact]
    public async Task A_grain_gets_its_events_of_a_batch_in_one_call_and_a_poison_event_among_them_is_parked_alone()
    {
        await using var cluster = await Clusters.StartAsync(tally: true);
        var serializer = cluster.Silos[0].Services.GetRequiredService<IEventSerializer>();
        async Task AppendInOneCommitAsync(string key, params long[] amounts)
        {
            var events = amounts.Select(amount =>
            {
                var (type, version, data) = serializer.Serialize(new CounterAdded(amount));
                return new EventData(Guid.CreateVersion7(), type, version, data, new EventMetadata(DateTimeOffset.UtcNow, null, null, null, null));
            }).ToList();
            await cluster.Store.AppendAsync($"batched/{key}", 0, $"batched/{key}", events);
        }

        // One commit of one stream: the partition's pump reads the events as one batch and hands them over in one call.
        var clean = "clean-" + Guid.NewGuid();
        await AppendInOneCommitAsync(clean, 1, 2, 3);
        await UntilTalliedAsync(cluster, new Dictionary<string, long> { [clean] = 6 });
        Probe.Entries($"tally-batches/{clean}").ShouldBe(["3"]);

        // The call fails on the poison event and changes nothing; one at a time, the poison is parked and the rest count once.
        var poisoned = "poisoned-" + Guid.NewGuid();
        await AppendInOneCommitAsync(poisoned, 1, 2, -13, 4, 5);
        await UntilTalliedAsync(cluster, new Dictionary<string, long> { [poisoned] = 12 });
        Probe.Entries($"tally-batches/{poisoned}").ShouldBe(["5"]);
        var parked = (await cluster.Silos[0].Services.GetRequiredService<SubscriptionOperations>().ListDeadLettersAsync())
            .Where(d => d.StreamId == $"batched/{poisoned}").ToList();
        parked.Count.ShouldBe(1);
        parked[0].Subscription.ShouldBe("batched-tally");
        parked[0].StreamVersion.ShouldBe(3);
        parked[0].Attempts.ShouldBe(5);
    }

    [Fact]
    public async Task A_dead_letter_can_be_retried_after_the_cause_is_fixed_or_discarded()
    {
        await using var cluster = await Clusters.StartAsync(tally: true);
        var operations = cluster.Silos[0].Services.GetRequiredService<SubscriptionOperations>();
        var retried = "retry-" + Guid.NewGuid();
        var discarded = "discard-" + Guid.NewGuid();
        await cluster.GrainFactory.GetGrain<ICounterGrain>(retried).Add(-13);
        await cluster.GrainFactory.GetGrain<ICounterGrain>(discarded).Add(-13);
        await Probe.UntilAsync("tally", async () => (await operations.ListDeadLettersAsync())
            .Count(d => d.StreamId == $"counter/{retried}" || d.StreamId == $"counter/{discarded}") == 2);
        var letters = await operations.ListDeadLettersAsync();
        var toRetry = letters.Single(d => d.StreamId == $"counter/{retried}");
        var toDiscard = letters.Single(d => d.StreamId == $"counter/{discarded}");

        // Still failing: it stays parked, with one more attempt counted.
        var (outcome, again) = await operations.RetryDeadLetterAsync(toRetry.Id);
        outcome.ShouldBe(DeadLetterRetryOutcome.FailedAgain);
        again!.Attempts.ShouldBe(6);

        Probe.PoisonOn = false;
        try
        {
            (await operations.RetryDeadLetterAsync(toRetry.Id)).Outcome.ShouldBe(DeadLetterRetryOutcome.Delivered);
        }
        finally
        {
            Probe.PoisonOn = true;
        }
        (await TallyOf(cluster, retried)).ShouldBe(-13);

        (await operations.DiscardDeadLetterAsync(toDiscard.Id)).ShouldBeTrue();
        (await TallyOf(cluster, discarded)).ShouldBe(0);
        (await operations.ListDeadLettersAsync()).ShouldNotContain(d => d.Id == toRetry.Id || d.Id == toDiscard.Id);
        (await operations.RetryDeadLetterAsync(toDiscard.Id)).Outcome.ShouldBe(DeadLetterRetryOutcome.NotFound);
    }

    [Fact]
    public async Task A_rebuilt_subscription_replays_the_log_from_position_zero()
    {
        await using var cluster = await Clusters.StartAsync(tally: true);
        var key = "rebuild-" + Guid.NewGuid();
        var counter = cluster.GrainFactory.GetGrain<ICounterGrain>(key);
        for (var i = 1; i <= 10; i++) await counter.Add(i);
        await UntilTalliedAsync(cluster, new Dictionary<string, long> { [key] = 55 });
        var ids = (await cluster.Store.ReadStreamAsync($"counter/{key}", 0, 100)).Select(e => e.EventId.ToString()).ToHashSet();
        int Deliveries() => Probe.Entries($"tally-deliveries/{key}").Count(ids.Contains);
        Deliveries().ShouldBe(10);

        await cluster.Silos[0].Services.GetRequiredService<SubscriptionOperations>().RebuildAsync("tally");
        await Probe.UntilAsync("tally-deliveries-never-signalled", () => Task.FromResult(Deliveries() == 20));
        (await TallyOf(cluster, key)).ShouldBe(55); // redelivered, deduplicated by source event id
    }
}
