using System.Text;
using Ates.Runtime.Storage.Embedded;
using Ates.Runtime.Testing;

namespace Ates.Runtime.Tests;

/// <summary>
/// What every storage provider must do, whatever it is built on. A provider's test class derives from this and says
/// how to open a fresh store; the embedded store runs it in memory and journaled, the Postgres provider on a real server.
/// </summary>
public abstract class StoreConformance
{
    protected readonly ManualTimeProvider Time = new();

    protected abstract IAtesStore OpenStore(int partitions = 4);

    /// <summary>The TTL the lease tests use: short where lapsing takes real time.</summary>
    protected virtual TimeSpan LeaseTtl => TimeSpan.FromSeconds(5);

    /// <summary>Lets the leases of an abandoned session lapse (the embedded store's clock is manual; a server's is not).</summary>
    protected virtual Task LetLapseAsync(IAtesStore store, string siloId)
    {
        Time.Advance(LeaseTtl + TimeSpan.FromSeconds(1));
        return Task.CompletedTask;
    }

    /// <summary>Takes a held lease away from a session behind its back, as a lapse or a lost connection does.</summary>
    protected virtual async Task LoseLeasesAsync(IAtesStore store, ILeaseSession session, string siloId)
    {
        session.Abandon();
        await LetLapseAsync(store, siloId);
    }

    private static EventData Event(string type = "test.happened", string json = "{}") =>
        new(Guid.CreateVersion7(), type, 1, Encoding.UTF8.GetBytes(json), new EventMetadata(DateTimeOffset.UnixEpoch, "corr", "cause", null, "actor"));

    [Fact]
    public async Task Appends_number_a_stream_from_one_and_refuse_a_stale_expected_version()
    {
        await using var store = OpenStore();
        (await store.AppendAsync("s/1", 0, "s/1", [Event(), Event()])).NextExpectedVersion.ShouldBe(2);
        (await store.AppendAsync("s/1", 2, "s/1", [Event()])).NextExpectedVersion.ShouldBe(3);
        var conflict = await Should.ThrowAsync<VersionConflictException>(() => store.AppendAsync("s/1", 2, "s/1", [Event()]));
        conflict.ActualVersion.ShouldBe(3);
        await Should.ThrowAsync<VersionConflictException>(() => store.AppendAsync("s/new", 5, "s/new", [Event()]));

        var stream = await store.ReadStreamAsync("s/1", 0, 100);
        stream.Select(e => e.StreamVersion).ShouldBe([1L, 2L, 3L]);
        (await store.ReadStreamAsync("s/1", 1, 1)).Single().StreamVersion.ShouldBe(2);
        (await store.ReadEventAsync("s/1", 3))!.EventId.ShouldBe(stream[2].EventId);
        (await store.ReadEventAsync("s/1", 4)).ShouldBeNull();
        stream[0].Metadata.ShouldBe(new EventMetadata(DateTimeOffset.UnixEpoch, "corr", "cause", null, "actor"));
    }

    [Fact]
    public async Task Events_of_one_stream_share_a_partition_and_every_read_pages_in_log_order()
    {
        await using var store = OpenStore(partitions: 4);
        var versions = new Dictionary<string, long>();
        AppendResult last = null!;
        for (var i = 0; i < 30; i++)
        {
            var stream = $"s/{i % 7}";
            last = await store.AppendAsync(stream, versions.GetValueOrDefault(stream), stream, [Event()]);
            versions[stream] = last.NextExpectedVersion;
        }
        // Log readers may see an acknowledged event a moment later (PostgreSQL: once older transactions anywhere on
        // the server have ended), never out of order: wait until the last one is visible.
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            while (await store.ReadHeadAsync() < last.LastPosition) await Task.Delay(10, deadline.Token);
        }

        var all = await store.ReadAllAsync(LogPosition.Start, 1000);
        all.Count.ShouldBe(30);
        all.Select(e => e.Position).ShouldBeInOrder();
        all.GroupBy(e => e.StreamId).ShouldAllBe(g => g.Select(e => e.Partition).Distinct().Count() == 1);
        (await store.ReadHeadAsync()).ShouldBe(all[^1].Position);

        var paged = new List<RecordedEvent>();
        for (var p = 0; p < 4; p++)
        {
            var after = LogPosition.Start;
            while ((await store.ReadPartitionAsync(p, after, 4)) is { Count: > 0 } page)
            {
                page.ShouldAllBe(e => e.Partition == p);
                paged.AddRange(page);
                after = page[^1].Position;
            }
        }
        paged.Select(e => e.EventId).Order().ShouldBe(all.Select(e => e.EventId).Order());
    }

    [Fact]
    public async Task Committed_appends_wake_the_partition_they_touched()
    {
        await using var store = OpenStore(partitions: 4);
        var woken = new List<int>();
        using (store.OnCommitted(p => { lock (woken) woken.Add(p); }))
        {
            await store.AppendAsync("s/wake", 0, "s/wake", [Event()]);
        }
        await store.AppendAsync("s/wake", 1, "s/wake", [Event()]); // after unsubscribing: not heard
        woken.ShouldBe([(await store.ReadStreamAsync("s/wake", 0, 1)).Single().Partition]);
    }

    [Fact]
    public async Task The_newest_snapshot_wins()
    {
        await using var store = OpenStore();
        await store.WriteSnapshotAsync(new StreamSnapshot("s/1", 10, [1]));
        await store.WriteSnapshotAsync(new StreamSnapshot("s/1", 20, [2]));
        (await store.ReadSnapshotAsync("s/1"))!.Version.ShouldBe(20);
        (await store.ReadSnapshotAsync("s/2")).ShouldBeNull();
    }

    [Fact]
    public async Task An_activation_load_reads_the_newest_snapshot_and_only_the_events_after_it()
    {
        await using var store = OpenStore();
        var (nothing, empty) = await store.ReadSnapshotAndStreamAsync("s/1", 100);
        nothing.ShouldBeNull();
        empty.ShouldBeEmpty();
        await store.AppendAsync("s/1", 0, "s/1", [Event(), Event(), Event(), Event(), Event()]);
        var (none, all) = await store.ReadSnapshotAndStreamAsync("s/1", 100);
        none.ShouldBeNull();
        all.Select(e => e.StreamVersion).ShouldBe([1L, 2L, 3L, 4L, 5L]);

        await store.WriteSnapshotAsync(new StreamSnapshot("s/1", 3, [7]));
        var (snapshot, after) = await store.ReadSnapshotAndStreamAsync("s/1", 100);
        snapshot!.Version.ShouldBe(3);
        snapshot.State.ShouldBe(new byte[] { 7 });
        after.Select(e => e.StreamVersion).ShouldBe([4L, 5L]);
        (await store.ReadSnapshotAndStreamAsync("s/1", 1)).Events.Select(e => e.StreamVersion).ShouldBe([4L]);
    }

    [Fact]
    public async Task Checkpoint_moves_made_at_the_same_time_each_succeed_or_fail_on_their_own_position()
    {
        await using var store = OpenStore(partitions: 8);
        for (var p = 0; p < 8; p++) (await store.TryMoveCheckpointAsync("sub", p, LogPosition.Start, new LogPosition(0, 10))).ShouldBeTrue();

        // Even partitions expect the right position, odd ones a wrong one; partition 0 is also moved twice from the same place.
        var moves = Enumerable.Range(0, 8)
            .Select(p => store.TryMoveCheckpointAsync("sub", p, new LogPosition(0, p % 2 == 0 ? 10 : 99), new LogPosition(0, 20 + p)))
            .Append(store.TryMoveCheckpointAsync("sub", 0, new LogPosition(0, 10), new LogPosition(0, 40)))
            .ToList();
        var moved = await Task.WhenAll(moves);

        for (var p = 1; p < 8; p++)
        {
            moved[p].ShouldBe(p % 2 == 0);
            (await store.ReadCheckpointAsync("sub", p)).ShouldBe(new LogPosition(0, p % 2 == 0 ? 20 + p : 10));
        }
        (moved[0] ^ moved[8]).ShouldBeTrue(); // exactly one of the two moves from the same position wins
        (await store.ReadCheckpointAsync("sub", 0)).ShouldBe(new LogPosition(0, moved[0] ? 20 : 40));
    }

    [Fact]
    public async Task A_tail_read_sees_each_acknowledged_append_and_pages_like_a_partition_read()
    {
        await using var store = OpenStore(partitions: 2);
        var after = new LogPosition[2];
        for (var i = 0; i < 40; i++)
        {
            var stream = $"s/{i % 5}";
            var appended = Event();
            var result = await store.AppendAsync(stream, i / 5, stream, [appended]);
            var partition = (await store.ReadStreamAsync(stream, result.NextExpectedVersion - 1, 1)).Single().Partition;
            var seen = await store.ReadPartitionTailAsync(partition, after[partition], 100);
            seen.Select(e => e.EventId).ShouldBe([appended.EventId]);
            after[partition] = seen[0].Position;
        }

        for (var partition = 0; partition < 2; partition++)
        {
            var all = await store.ReadPartitionAsync(partition, LogPosition.Start, 1000);
            var paged = new List<RecordedEvent>();
            var position = LogPosition.Start;
            for (var page = await store.ReadPartitionTailAsync(partition, position, 3); page.Count > 0; page = await store.ReadPartitionTailAsync(partition, position, 3))
            {
                paged.AddRange(page);
                position = page[^1].Position;
            }
            paged.Select(e => e.EventId).ShouldBe(all.Select(e => e.EventId));
        }
    }

    [Fact]
    public async Task Checkpoints_move_only_from_the_expected_position_and_reset_to_the_start()
    {
        await using var store = OpenStore();
        (await store.ReadCheckpointAsync("sub", 1)).ShouldBe(LogPosition.Start);
        (await store.TryMoveCheckpointAsync("sub", 1, LogPosition.Start, new LogPosition(0, 9))).ShouldBeTrue();
        (await store.TryMoveCheckpointAsync("sub", 1, LogPosition.Start, new LogPosition(0, 5))).ShouldBeFalse();
        (await store.TryMoveCheckpointAsync("other", 1, LogPosition.Start, new LogPosition(0, 3))).ShouldBeTrue();
        await store.ResetCheckpointsAsync("sub");
        (await store.ReadCheckpointAsync("sub", 1)).ShouldBe(LogPosition.Start);
        (await store.ReadCheckpointAsync("other", 1)).ShouldBe(new LogPosition(0, 3));
    }

    [Fact]
    public async Task Parking_an_event_twice_for_a_subscription_keeps_one_dead_letter()
    {
        await using var store = OpenStore();
        var eventId = Guid.NewGuid();
        DeadLetter Letter(Guid id, int attempts) => new(id, "sub", 2, eventId, "s/1", 1, new LogPosition(0, 1), "t", "boom", attempts, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
        await store.ParkAsync(Letter(Guid.NewGuid(), 5));
        var second = Letter(Guid.NewGuid(), 6);
        await store.ParkAsync(second);
        (await store.ReadDeadLettersAsync()).ShouldBe([second]);
        (await store.RemoveDeadLetterAsync(second.Id)).ShouldBeTrue();
        (await store.RemoveDeadLetterAsync(second.Id)).ShouldBeFalse();
        (await store.ReadDeadLettersAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Reminders_change_only_under_their_etag()
    {
        await using var store = OpenStore();
        var grain = new GrainId("g", "k");
        var first = new ReminderEntry(grain, "r", DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1), Guid.NewGuid());
        await store.UpsertReminderAsync(first);
        (await store.TryUpdateReminderAsync(first with { ETag = Guid.NewGuid() }, Guid.NewGuid())).ShouldBeFalse();
        var moved = first with { DueAt = DateTimeOffset.UnixEpoch.AddMinutes(1), ETag = Guid.NewGuid() };
        (await store.TryUpdateReminderAsync(moved, first.ETag)).ShouldBeTrue();
        (await store.RemoveReminderAsync(grain, "r", first.ETag)).ShouldBeFalse();
        (await store.ReadRemindersAsync(grain)).ShouldBe([moved]);
        var partition = Partitioning.PartitionOf(grain.ToString(), store.Partitions);
        (await store.ReadRemindersAsync(partition)).ShouldBe([moved]);
        (await store.RemoveReminderAsync(grain, "r", moved.ETag)).ShouldBeTrue();
        (await store.ReadRemindersAsync(grain)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_lease_is_exclusive_until_released_or_lapsed_and_an_abandoned_session_releases_nothing()
    {
        await using var store = OpenStore();
        await using var a = await store.OpenLeaseSessionAsync("a", LeaseTtl);
        await using var b = await store.OpenLeaseSessionAsync("b", LeaseTtl);
        (await a.TryAcquireAsync("sub:x:1")).ShouldBeTrue();
        (await b.TryAcquireAsync("sub:x:1")).ShouldBeFalse();
        a.IsHeld("sub:x:1").ShouldBeTrue();

        await a.ReleaseAsync("sub:x:1");
        (await b.TryAcquireAsync("sub:x:1")).ShouldBeTrue();

        b.Abandon(); // like a crashed silo: it stops renewing and releases nothing
        (await a.TryAcquireAsync("sub:x:1")).ShouldBeFalse();
        await LetLapseAsync(store, "b");
        (await a.TryAcquireAsync("sub:x:1")).ShouldBeTrue();
        (await a.RenewAsync()).ShouldBe(["sub:x:1"]);
    }

    [Fact]
    public async Task A_session_that_lost_its_lease_cannot_move_the_checkpoint_even_before_anyone_else_takes_it()
    {
        await using var store = OpenStore();
        await using var a = await store.OpenLeaseSessionAsync("a", LeaseTtl);
        (await a.TryAcquireAsync("sub:x:1")).ShouldBeTrue();
        var fence = new LeaseFence(a, "sub:x:1");
        (await store.TryMoveCheckpointAsync("x", 1, LogPosition.Start, new LogPosition(0, 5), fence)).ShouldBeTrue();

        await LoseLeasesAsync(store, a, "a");
        (await store.TryMoveCheckpointAsync("x", 1, new LogPosition(0, 5), new LogPosition(0, 9), fence)).ShouldBeFalse();
        (await store.ReadCheckpointAsync("x", 1)).ShouldBe(new LogPosition(0, 5));

        await using var b = await store.OpenLeaseSessionAsync("b", LeaseTtl);
        (await b.TryAcquireAsync("sub:x:1")).ShouldBeTrue();
        (await store.TryMoveCheckpointAsync("x", 1, new LogPosition(0, 5), new LogPosition(0, 9), new LeaseFence(b, "sub:x:1"))).ShouldBeTrue();
    }

    [Fact]
    public async Task Membership_rows_and_shared_keys_are_kept()
    {
        await using var store = OpenStore();
        var silo = new SiloEntry("s1", "host", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddSeconds(1), SiloStatus.Active);
        await store.UpsertSiloAsync(silo);
        await store.UpsertSiloAsync(silo with { HeartbeatAt = DateTimeOffset.UnixEpoch.AddSeconds(2) });
        (await store.ReadSilosAsync()).ShouldBe([silo with { HeartbeatAt = DateTimeOffset.UnixEpoch.AddSeconds(2) }]);

        await store.StoreKeyAsync("data-protection/k1", "<key id=\"1\"/>");
        (await store.ReadKeysAsync()).ShouldBe([("data-protection/k1", "<key id=\"1\"/>")]);
    }
}

public sealed class InMemoryEmbeddedStoreConformance : StoreConformance
{
    protected override IAtesStore OpenStore(int partitions = 4) => EmbeddedStore.Open(new EmbeddedStoreOptions { Partitions = partitions }, Time);
}

public sealed class JournaledEmbeddedStoreConformance : StoreConformance
{
    protected override IAtesStore OpenStore(int partitions = 4) =>
        EmbeddedStore.Open(new EmbeddedStoreOptions { Partitions = partitions, DataDirectory = Clusters.NewDataDirectory() }, Time);
}
