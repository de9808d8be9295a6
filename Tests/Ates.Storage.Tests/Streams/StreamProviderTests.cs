using Ates.Storage.Streams;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Streams;
using Xunit.Abstractions;

namespace Ates.Storage.Tests.Streams;

/// <summary>
/// The journal stream provider on Orleans (docs/design.md "Streams"): queues are the journal's partitions, each event read
/// once per silo; order per source stream, a grain's events of one read in one call and what piles up while it is busy
/// merged into its next call, never a skipped event, checkpoints that only move forward and never past an undelivered
/// event, dead letters for what cannot be routed, a rebuild from zero, and a silo killed in the middle of a delivery.
/// </summary>
public sealed class StreamProviderTests(ITestOutputHelper output)
{
    /// <summary>The queue that reads a source stream's events: its partition's.</summary>
    private static int QueueOf(string source) => JournalPartitions.Of(source);

    /// <summary>A source stream name of the given partition, or of any other.</summary>
    private static string SourceIn(int partition, string prefix = "source", bool other = false) =>
        Enumerable.Range(0, 1000).Select(i => $"{prefix}/{i}").First(s => (JournalPartitions.Of(s) == partition) != other);

    private static ProbeEvent[] Events(string target, int from, int count) => Enumerable.Range(from, count).Select(n => new ProbeEvent(target, n)).ToArray();

    [Fact]
    public async Task Each_target_gets_every_event_once_in_order_per_source_stream_and_one_appends_events_arrive_in_one_call()
    {
        await using var probe = await ProbeCluster.StartAsync();
        var expected = new Dictionary<string, List<JournalEvent>>();
        var sources = Enumerable.Range(0, 7).Select(i => $"source/{i}").ToList();
        sources.Select(JournalPartitions.Of).Distinct().Count().ShouldBeGreaterThan(1, "the sources span several partitions");
        for (var round = 0; round < 20; round++)
        {
            for (var t = 0; t < 10; t++)
            {
                var target = $"t{t}";
                // Each target's events come from several journal streams in several partitions, interleaved with the other targets'.
                var stored = await probe.AppendAsync(sources[(round + t) % 7], new ProbeEvent(target, round));
                (expected.TryGetValue(target, out var list) ? list : expected[target] = []).AddRange(stored);
            }
        }
        var together = await probe.AppendAsync("source/batch", Events("batched", 0, 10));

        await probe.UntilAsync(() => expected.All(x => probe.Log.ReceivedBy(x.Key).Count >= x.Value.Count) && probe.Log.ReceivedBy("batched").Count >= 10);

        foreach (var (target, events) in expected)
        {
            var received = probe.Log.ReceivedBy(target);
            received.Select(e => e.EventId).Order().ShouldBe(events.Select(e => e.EventId).Order(), $"{target}: every event once");
            foreach (var source in sources)
            {
                received.Where(e => e.StreamId == source).Select(e => e.EventId)
                    .ShouldBe(events.Where(e => e.StreamId == source).Select(e => e.EventId), $"{target}: {source}'s events in journal order");
            }
        }
        probe.Log.ReceivedBy("batched").Select(e => e.EventId).ShouldBe(together.Select(e => e.EventId));
        probe.Log.BatchesOf("batched").ShouldBe(1, "one append's events for one grain come in one call");
        await probe.CaughtUpAsync();
    }

    [Fact]
    public async Task What_piles_up_for_a_busy_consumer_comes_merged_in_its_next_call_in_order()
    {
        await using var probe = await ProbeCluster.StartAsync();
        probe.Log.Slow("busy", TimeSpan.FromMilliseconds(300));
        var first = await probe.AppendAsync("source/busy", new ProbeEvent("busy", 0));
        await probe.UntilAsync(() => probe.Log.Delivering("busy"), what: "the first delivery under way");
        // Twenty appends, twenty reads at most, while the consumer is still busy with the first.
        var rest = new List<JournalEvent>();
        for (var n = 1; n <= 20; n++) rest.AddRange(await probe.AppendAsync("source/busy", new ProbeEvent("busy", n)));

        await probe.UntilAsync(() => probe.Log.ReceivedBy("busy").Count >= 21);
        probe.Log.ReceivedBy("busy").Select(e => e.EventId).ShouldBe(first.Concat(rest).Select(e => e.EventId), "each once, in journal order");
        probe.Log.BatchesOf("busy").ShouldBeLessThanOrEqualTo(3, "what arrived while the consumer was busy comes in one call, not a call each");
        output.WriteLine($"21 events in {probe.Log.BatchesOf("busy")} calls");
        await probe.CaughtUpAsync();
    }

    [Fact]
    public async Task A_silo_reads_each_event_of_a_partition_once_however_many_subscriptions_read_it()
    {
        var journal = new RecordingJournal();
        await using var probe = await ProbeCluster.StartAsync(journal: journal, quietSubscriptions: 3);
        await probe.AppendAsync("source/warm", new ProbeEvent("warm", 0));
        await probe.UntilAsync(() => probe.Log.ReceivedBy("warm").Count == 1);
        await probe.CaughtUpAsync();
        var before = journal.PartitionRowsRead;

        var appended = 0;
        for (var round = 0; round < 40; round++)
        {
            appended += (await probe.AppendAsync($"source/{round % 11}", Events($"t{round % 5}", round, 3))).Count;
        }
        await probe.UntilAsync(() => Enumerable.Range(0, 5).Sum(t => probe.Log.ReceivedBy($"t{t}").Count) == appended);
        await probe.CaughtUpAsync();

        var read = journal.PartitionRowsRead - before;
        output.WriteLine($"{appended} events appended, {read} rows read by 4 subscriptions' queues and the checks of this test");
        // Four subscriptions read every partition; one tail per partition reads each event once. The test's own
        // caught-up checks read a row per partition now and then; without the shared tail it would be 4 × 120 and more.
        read.ShouldBeLessThan(appended * 2);
    }

    [Fact]
    public async Task A_consumer_that_keeps_failing_is_retried_until_it_passes_never_skipped_and_its_queue_does_not_checkpoint_past_it()
    {
        await using var probe = await ProbeCluster.StartAsync();
        const string sick = "sick", well = "well", neighbour = "near";
        var sickSource = SourceIn(0);
        var neighbourSource = SourceIn(0, "other"); // the same partition, so the same queue as the sick stream
        var wellSource = SourceIn(0, other: true);
        await probe.AppendAsync(wellSource, new ProbeEvent(well, -1));
        await probe.UntilAsync(() => probe.Log.ReceivedBy(well).Count == 1);

        probe.Log.Fail(sick);
        var sickEvents = await probe.AppendAsync(sickSource, Events(sick, 0, 5));
        var wellEvents = await probe.AppendAsync(wellSource, Events(well, 0, 5));
        await probe.AppendAsync(neighbourSource, Events(neighbour, 0, 5));

        // The other streams go on, its neighbour in the same queue included, while the sick one fails.
        await probe.UntilAsync(() => probe.Log.ReceivedBy(well).Count == 6 && probe.Log.ReceivedBy(neighbour).Count == 5);
        probe.Log.ReceivedBy(sick).ShouldBeEmpty();
        // The well queue checkpoints past everything; the sick one stops short of the sick stream's first event.
        await probe.UntilCheckpointAsync(QueueOf(wellSource), wellEvents[^1].Position);
        await probe.UntilAsync(() => probe.Log.Failures >= 4, what: "four failed deliveries");
        var checkpoint = await probe.Journal.ReadCheckpointAsync(ProbeCluster.Subscription, QueueOf(sickSource));
        checkpoint.Position.ShouldBeLessThan(sickEvents[0].Position, "the queue must not checkpoint past an event it has not delivered");
        probe.Log.ReceivedBy(sick).ShouldBeEmpty("still failing");

        // Once the consumer works again, everything arrives, in order, nothing skipped.
        probe.Log.Heal(sick);
        await probe.UntilAsync(() => probe.Log.ReceivedBy(sick).Count >= 5, TimeSpan.FromSeconds(30));
        probe.Log.ReceivedBy(sick).Select(e => e.EventId).ShouldBe(sickEvents.Select(e => e.EventId));
        await probe.CaughtUpAsync();
        output.WriteLine($"{probe.Log.Failures} failed deliveries to {sick} before it passed; its queue held at {checkpoint.Position} meanwhile");
    }

    [Fact]
    public async Task Checkpoints_only_move_forward_whoever_writes_them()
    {
        var journal = new RecordingJournal();
        await using var probe = await ProbeCluster.StartAsync(silos: 2, journal: journal);
        for (var round = 0; round < 12; round++)
        {
            // Rounds apart, so each queue moves its checkpoint many times, from both silos.
            for (var t = 0; t < 8; t++) await probe.AppendAsync($"source/{t % 3}", Events($"t{t}", round, 2));
            await probe.UntilAsync(() => Enumerable.Range(0, 8).Sum(t => probe.Log.ReceivedBy($"t{t}").Count) >= (round + 1) * 16);
            await probe.CaughtUpAsync();
        }

        journal.Moves.Count(m => m.Moved).ShouldBeGreaterThanOrEqualTo(12);
        foreach (var queue in journal.Moves.GroupBy(m => m.Queue))
        {
            var stored = queue.Where(m => m.Moved).Select(m => m.Position).ToList();
            stored.ShouldBeInOrder(SortDirection.Ascending, $"queue {queue.Key}");
            stored.Distinct().Count().ShouldBe(stored.Count);
        }
        output.WriteLine($"{journal.Moves.Count} checkpoint writes, {journal.Moves.Count(m => m.Moved)} moved, by {journal.Moves.Select(m => m.Owner).Distinct().Count()} silo(s)");
    }

    [Fact]
    public async Task A_silo_killed_in_the_middle_of_deliveries_loses_nothing_and_its_queues_are_served_by_the_survivor()
    {
        await using var probe = await ProbeCluster.StartAsync(silos: 2);
        var targets = Enumerable.Range(0, 12).Select(i => $"t{i}").ToList();
        foreach (var target in targets) probe.Log.Slow(target, TimeSpan.FromMilliseconds(100));
        var expected = targets.ToDictionary(t => t, _ => new List<Guid>());
        for (var round = 0; round < 10; round++)
            foreach (var target in targets)
                expected[target].AddRange((await probe.AppendAsync($"source/{target}", Events(target, round * 2, 2))).Select(e => e.EventId));

        await probe.UntilAsync(() => targets.Sum(t => probe.Log.ReceivedBy(t).Count) >= 40, what: "deliveries under way");
        var victim = probe.Cluster.Silos[1];
        var deliveredAtKill = targets.Sum(t => probe.Log.ReceivedBy(t).Count);
        var killed = DateTimeOffset.UtcNow;
        await probe.Cluster.KillSiloAsync(victim);
        foreach (var target in targets) expected[target].AddRange((await probe.AppendAsync($"source/{target}", Events(target, 100, 2))).Select(e => e.EventId));

        await probe.UntilAsync(() => targets.All(t => probe.Log.ReceivedBy(t).Select(e => e.EventId).Distinct().Count() == expected[t].Count), TimeSpan.FromSeconds(90),
            "every event after the kill");
        var recovered = DateTimeOffset.UtcNow - killed;
        var duplicates = 0;
        foreach (var target in targets)
        {
            var received = probe.Log.ReceivedBy(target).Select(e => e.EventId).ToList();
            received.Distinct().ShouldBe(expected[target], $"{target}: every event, first seen in journal order");
            duplicates += received.Count - expected[target].Count;
        }
        await probe.CaughtUpAsync();
        var owners = (await probe.Journal.ReadCheckpointsAsync(ProbeCluster.Subscription)).Select(c => c.Owner).Distinct().ToList();
        owners.ShouldContain(probe.Cluster.Silos[0].SiloAddress.ToString());
        output.WriteLine($"killed {victim.SiloAddress} with {deliveredAtKill} of {expected.Values.Sum(e => e.Count)} events delivered; every event delivered " +
                         $"{recovered.TotalSeconds:F1} s after the kill; {duplicates} delivered twice (harmless: consumers are idempotent)");
    }

    [Fact]
    public async Task Rebuilding_a_subscription_from_zero_delivers_every_event_again()
    {
        await using var probe = await ProbeCluster.StartAsync();
        var stored = await probe.AppendAsync("source/a", [.. Events("a", 0, 5), .. Events("b", 0, 3)]);
        await probe.UntilAsync(() => probe.Log.ReceivedBy("a").Count == 5 && probe.Log.ReceivedBy("b").Count == 3);
        await probe.CaughtUpAsync();

        var epoch = await probe.Subscriptions.RebuildAsync(ProbeCluster.Subscription);

        await probe.UntilAsync(() => probe.Log.ReceivedBy("a").Count == 10 && probe.Log.ReceivedBy("b").Count == 6, what: "the second delivery");
        probe.Log.ReceivedBy("a").Select(e => e.N()).ShouldBe([0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
        await probe.CaughtUpAsync();
        (await probe.Journal.ReadCheckpointsAsync(ProbeCluster.Subscription)).ShouldAllBe(c => c.Epoch == epoch);
    }

    [Fact]
    public async Task An_event_the_route_cannot_read_is_parked_once_and_its_stream_goes_on()
    {
        await using var probe = await ProbeCluster.StartAsync();
        var bad = new NewEvent(Guid.CreateVersion7(), "probe.event", 1, """{"target":"a"}"""u8.ToArray(), new EventMetadata(DateTimeOffset.UtcNow, null, null, null, null));
        await probe.Journal.AppendAsync("source/bad", 0, [bad]);
        await probe.AppendAsync("source/good", Events("a", 0, 3));

        await probe.UntilAsync(() => probe.Log.ReceivedBy("a").Count == 3);
        await probe.CaughtUpAsync();
        var letter = (await probe.Journal.ListDeadLettersAsync()).ShouldHaveSingleItem();
        (letter.Subscription, letter.EventId, letter.Target, letter.Attempts).ShouldBe((ProbeCluster.Subscription, bad.EventId, "", 1));
        letter.Error.ShouldContain("EventDecodingException");
        (await probe.Subscriptions.DeadLettersAsync()).Single().Queue.ShouldBeNull();

        // Retried as it is, it fails again; discarded, it is gone.
        (await probe.Subscriptions.RetryAsync(letter.Id)).Outcome.ShouldBe(DeadLetterRetryOutcome.FailedAgain);
        (await probe.Journal.ListDeadLettersAsync()).Single().Attempts.ShouldBe(2);
        (await probe.Subscriptions.DiscardAsync(letter.Id)).ShouldBeTrue();
        (await probe.Journal.ListDeadLettersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_dead_letter_retried_by_an_operator_reaches_its_consumer_and_leaves_the_list()
    {
        await using var probe = await ProbeCluster.StartAsync();
        var e = (await probe.AppendAsync("source/a", new ProbeEvent("x", 7))).Single();
        await probe.UntilAsync(() => probe.Log.ReceivedBy("x").Count == 1);
        var now = DateTimeOffset.UtcNow;
        await probe.Journal.ParkAsync(new DeadLetter(Guid.CreateVersion7(), ProbeCluster.Subscription, $"{ProbeCluster.Namespace}/x", e.EventId, e.StreamId,
            e.StreamVersion, e.Position, e.Type, "refused once", 1, now, now));
        var parked = (await probe.Subscriptions.DeadLettersAsync()).Single();
        parked.Queue.ShouldBe(QueueOf("source/a"));

        (await probe.Subscriptions.RetryAsync(parked.Letter.Id)).Outcome.ShouldBe(DeadLetterRetryOutcome.Delivered);
        probe.Log.ReceivedBy("x").Count.ShouldBe(2);
        (await probe.Journal.ListDeadLettersAsync()).ShouldBeEmpty();
        (await probe.Subscriptions.RetryAsync(parked.Letter.Id)).Outcome.ShouldBe(DeadLetterRetryOutcome.NotFound);
    }
}

internal static class ProbeEvents
{
    public static int N(this JournalEvent e) => System.Text.Json.JsonSerializer.Deserialize<ProbeEvent>(e.Data, JsonEventSerializer.Options)!.N;
}
