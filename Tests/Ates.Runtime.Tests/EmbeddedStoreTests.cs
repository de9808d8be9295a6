using Ates.Runtime.Storage.Embedded;

namespace Ates.Runtime.Tests;

public sealed class EmbeddedStoreTests
{
    private static EventData Event(int n) =>
        new(Guid.CreateVersion7(), "test.happened", 1, System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{n}}}"),
            new EventMetadata(DateTimeOffset.UnixEpoch.AddDays(n), $"corr-{n}", null, null, "user-1"));

    [Fact]
    public async Task Everything_acknowledged_survives_a_reopen()
    {
        var directory = Clusters.NewDataDirectory();
        await using (var store = EmbeddedStore.Open(new EmbeddedStoreOptions { DataDirectory = directory }))
        {
            await store.AppendAsync("s/1", 0, "s/1", [Event(1), Event(2)]);
            await store.AppendAsync("s/2", 0, "s/2", [Event(3)]);
            (await store.TryMoveCheckpointAsync("sub", 3, LogPosition.Start, new LogPosition(0, 2))).ShouldBeTrue();
            await store.WriteSnapshotAsync(new StreamSnapshot("s/1", 2, [1, 2, 3]));
            await store.UpsertReminderAsync(new ReminderEntry(new GrainId("g", "k"), "r", DateTimeOffset.UnixEpoch, TimeSpan.FromHours(1), Guid.NewGuid()));
        }

        await using var reopened = EmbeddedStore.Open(new EmbeddedStoreOptions { DataDirectory = directory });
        var all = await reopened.ReadAllAsync(LogPosition.Start, 100);
        all.Select(e => (e.StreamId, e.StreamVersion, e.Position.Seq)).ShouldBe([("s/1", 1L, 1L), ("s/1", 2L, 2L), ("s/2", 1L, 3L)]);
        all[2].Metadata.ShouldBe(new EventMetadata(DateTimeOffset.UnixEpoch.AddDays(3), "corr-3", null, null, "user-1"));
        (await reopened.ReadCheckpointAsync("sub", 3)).ShouldBe(new LogPosition(0, 2));
        (await reopened.ReadSnapshotAsync("s/1"))!.State.ShouldBe(new byte[] { 1, 2, 3 });
        (await reopened.ReadRemindersAsync(new GrainId("g", "k"))).Single().Name.ShouldBe("r");
        (await reopened.AppendAsync("s/1", 2, "s/1", [Event(4)])).LastPosition.ShouldBe(new LogPosition(0, 4));
    }

    [Theory]
    [InlineData(1)]   // a frame cut one byte short
    [InlineData(7)]   // cut inside the last frame's payload
    [InlineData(-1)]  // garbage appended after the last frame (a header that promises more than is there)
    public async Task A_torn_journal_tail_is_dropped_and_everything_before_it_kept(int cut)
    {
        var directory = Clusters.NewDataDirectory();
        await using (var store = EmbeddedStore.Open(new EmbeddedStoreOptions { DataDirectory = directory }))
        {
            for (var i = 1; i <= 10; i++) await store.AppendAsync($"s/{i}", 0, $"s/{i}", [Event(i)]);
        }

        var journal = Path.Combine(directory, "ates.journal");
        if (cut > 0)
        {
            await using var file = new FileStream(journal, FileMode.Open);
            file.SetLength(file.Length - cut);
        }
        else
        {
            await File.AppendAllBytesAsync(journal, [0x40, 0, 0, 0, 1, 2, 3, 4, 5]);
        }

        await using (var reopened = EmbeddedStore.Open(new EmbeddedStoreOptions { DataDirectory = directory }))
        {
            var survivors = await reopened.ReadAllAsync(LogPosition.Start, 100);
            survivors.Count.ShouldBe(cut > 0 ? 9 : 10);
            survivors.Select(e => e.StreamId).ShouldBe(Enumerable.Range(1, survivors.Count).Select(i => $"s/{i}"));
            // The journal is usable again: new appends go after the good prefix and survive the next reopen.
            await reopened.AppendAsync("s/new", 0, "s/new", [Event(11)]);
        }

        await using var again = EmbeddedStore.Open(new EmbeddedStoreOptions { DataDirectory = directory });
        (await again.ReadAllAsync(LogPosition.Start, 100)).Select(e => e.StreamId).Last().ShouldBe("s/new");
    }

    [Fact]
    public async Task A_second_store_on_the_same_data_directory_is_refused_clearly()
    {
        var directory = Clusters.NewDataDirectory();
        await using var first = EmbeddedStore.Open(new EmbeddedStoreOptions { DataDirectory = directory });
        var error = Should.Throw<InvalidOperationException>(() => EmbeddedStore.Open(new EmbeddedStoreOptions { DataDirectory = directory }));
        error.Message.ShouldContain("is in use by another silo");
    }

    [Fact]
    public async Task Partitions_cannot_change_once_the_store_holds_data()
    {
        var directory = Clusters.NewDataDirectory();
        await using (var store = EmbeddedStore.Open(new EmbeddedStoreOptions { DataDirectory = directory, Partitions = 16 }))
        {
            await store.AppendAsync("s/1", 0, "s/1", [Event(1)]);
        }
        Should.Throw<InvalidOperationException>(() => EmbeddedStore.Open(new EmbeddedStoreOptions { DataDirectory = directory, Partitions = 8 }))
            .Message.ShouldContain("16 partitions");
    }

    [Fact]
    public async Task An_append_with_a_stale_expected_version_is_refused_and_changes_nothing()
    {
        await using var store = EmbeddedStore.Open(new EmbeddedStoreOptions());
        await store.AppendAsync("s/1", 0, "s/1", [Event(1)]);
        var conflict = await Should.ThrowAsync<VersionConflictException>(() => store.AppendAsync("s/1", 0, "s/1", [Event(2)]));
        (conflict.ExpectedVersion, conflict.ActualVersion).ShouldBe((0L, 1L));
        (await store.ReadStreamAsync("s/1", 0, 10)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_checkpoint_moves_only_from_the_position_the_writer_read()
    {
        await using var store = EmbeddedStore.Open(new EmbeddedStoreOptions());
        (await store.TryMoveCheckpointAsync("sub", 0, LogPosition.Start, new LogPosition(0, 5))).ShouldBeTrue();
        // A silo that still believes the checkpoint is at the start (it lost its lease) cannot move it.
        (await store.TryMoveCheckpointAsync("sub", 0, LogPosition.Start, new LogPosition(0, 3))).ShouldBeFalse();
        (await store.ReadCheckpointAsync("sub", 0)).ShouldBe(new LogPosition(0, 5));
    }

    [Fact]
    public async Task Partition_reads_page_in_log_order_after_a_position()
    {
        await using var store = EmbeddedStore.Open(new EmbeddedStoreOptions { Partitions = 4 });
        for (var i = 0; i < 40; i++) await store.AppendAsync($"s/{i % 5}", i / 5, $"s/{i % 5}", [Event(i)]);

        for (var p = 0; p < 4; p++)
        {
            var read = new List<RecordedEvent>();
            var after = LogPosition.Start;
            while (true)
            {
                var page = await store.ReadPartitionAsync(p, after, 3);
                if (page.Count == 0) break;
                read.AddRange(page);
                after = page[^1].Position;
            }
            read.ShouldAllBe(e => e.Partition == p);
            read.Select(e => e.Position).ShouldBeInOrder();
            read.Count.ShouldBe((await store.ReadAllAsync(LogPosition.Start, 100)).Count(e => e.Partition == p));
        }
    }
}
