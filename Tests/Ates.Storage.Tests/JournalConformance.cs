using System.Collections.Concurrent;
using System.Text;

namespace Ates.Storage.Tests;

/// <summary>
/// The journal's contract, run on every backend (memory, SQLite, PostgreSQL): per-stream expected versions, all or
/// nothing per append, one commit order that readers follow without gaps, checkpoints that only move forward within an
/// epoch, dead letters, shared keys.
/// </summary>
public abstract partial class JournalConformance : IAsyncLifetime
{
    private readonly List<IJournalStore> _open = [];

    /// <summary>A new, empty journal.</summary>
    protected abstract Task<IJournalStore> CreateAsync();

    /// <summary>The same journal again after the first was disposed (null where the backend keeps nothing).</summary>
    protected virtual Task<IJournalStore?> ReopenAsync() => Task.FromResult<IJournalStore?>(null);

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _open) await store.DisposeAsync();
    }

    protected async Task<IJournalStore> OpenAsync()
    {
        var store = await CreateAsync();
        _open.Add(store);
        return store;
    }

    // Whole microseconds: what every backend keeps of a timestamp.
    private static readonly DateTimeOffset At = new(2026, 1, 5, 9, 30, 15, 123, 456, TimeSpan.Zero);

    protected static NewEvent Event(string type = "thing.happened", string data = """{"n":1}""", string? correlation = "corr-1") =>
        new(Guid.CreateVersion7(), type, 1, Encoding.UTF8.GetBytes(data), new EventMetadata(At, correlation, "cause-1", "00-trace-01", "actor-1"));

    [Fact]
    public async Task An_append_to_a_new_stream_gets_versions_from_one_and_reads_back_with_its_metadata()
    {
        var journal = await OpenAsync();
        var events = new[] { Event(data: """{"n":1}"""), Event(data: """{"n":2}""") };

        var result = await journal.AppendAsync("task/a", 0, events);

        result.NextExpectedVersion.ShouldBe(2);
        var read = await journal.ReadStreamAsync("task/a", 0, 10);
        read.Select(e => e.StreamVersion).ShouldBe([1L, 2L]);
        read.Select(e => e.EventId).ShouldBe(events.Select(e => e.EventId));
        read[1].Position.ShouldBe(result.LastPosition);
        read[0].Position.ShouldBeLessThan(read[1].Position);
        Encoding.UTF8.GetString(read[1].Data).ShouldBe("""{"n":2}""");
        read[0].Metadata.ShouldBe(events[0].Metadata);
        (read[0].Type, read[0].Version, read[0].StreamId).ShouldBe(("thing.happened", 1, "task/a"));
        (await journal.ReadStreamAsync("task/a", 1, 10)).Single().StreamVersion.ShouldBe(2);
        (await journal.ReadStreamAsync("task/none", 0, 10)).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_append_at_a_stale_version_is_refused_whole_and_writes_nothing()
    {
        var journal = await OpenAsync();
        await journal.AppendAsync("task/a", 0, [Event()]);

        var conflict = await Should.ThrowAsync<JournalConflictException>(journal.AppendAsync("task/a", 0, [Event(), Event()]));
        (conflict.ExpectedVersion, conflict.ActualVersion).ShouldBe((0L, 1L));
        await Should.ThrowAsync<JournalConflictException>(journal.AppendAsync("task/a", 5, [Event()]));
        await Should.ThrowAsync<JournalConflictException>(journal.AppendAsync("task/b", 1, [Event()]));

        (await journal.ReadLogAsync(JournalPosition.Start, 100)).Count.ShouldBe(1);
        (await journal.AppendAsync("task/a", 1, [Event(), Event()])).NextExpectedVersion.ShouldBe(3);
    }

    [Fact]
    public async Task Of_concurrent_appends_at_one_version_exactly_one_wins()
    {
        var journal = await OpenAsync();
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            try
            {
                await journal.AppendAsync("account/x", 0, [Event(), Event()]);
                return true;
            }
            catch (JournalConflictException)
            {
                return false;
            }
        }));

        outcomes.Count(won => won).ShouldBe(1);
        (await journal.ReadStreamAsync("account/x", 0, 100)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Concurrent_appends_to_many_streams_are_each_acknowledged_once_and_read_in_one_order()
    {
        var journal = await OpenAsync();
        var acknowledged = new ConcurrentBag<Guid>();
        await Task.WhenAll(Enumerable.Range(0, 32).Select(writer => Task.Run(async () =>
        {
            long version = 0;
            for (var i = 0; i < 20; i++)
            {
                var e = Event(data: $$"""{"writer":{{writer}},"i":{{i}}}""");
                version = (await journal.AppendAsync($"stream/{writer}", version, [e])).NextExpectedVersion;
                acknowledged.Add(e.EventId);
            }
        })));

        var log = await ReadWholeLogAsync(journal, page: 7);
        log.Select(e => e.EventId).Order().ShouldBe(acknowledged.Order());
        log.Select(e => e.Position).ShouldBeInOrder(SortDirection.Ascending);
        log.Select(e => e.Position).Distinct().Count().ShouldBe(log.Count);
        (await journal.ReadHeadAsync()).ShouldBe(log[^1].Position);
        foreach (var stream in log.GroupBy(e => e.StreamId)) stream.Select(e => e.StreamVersion).ShouldBe(Enumerable.Range(1, 20).Select(v => (long)v));
    }

    [Fact]
    public async Task A_reader_following_the_log_while_writers_append_sees_every_event_once_in_order()
    {
        var journal = await OpenAsync();
        var written = new ConcurrentBag<Guid>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(writer => Task.Run(async () =>
        {
            long version = 0;
            for (var i = 0; i < 40; i++)
            {
                var batch = new[] { Event(), Event() };
                version = (await journal.AppendAsync($"stream/{writer}", version, batch)).NextExpectedVersion;
                foreach (var e in batch) written.Add(e.EventId);
            }
        })).ToList();

        var seen = new List<JournalEvent>();
        var position = JournalPosition.Start;
        var writing = Task.WhenAll(writers);
        while (true)
        {
            var done = writing.IsCompleted;
            var page = await journal.ReadLogAsync(position, 13);
            seen.AddRange(page);
            if (page.Count > 0) position = page[^1].Position;
            if (done && page.Count == 0) break;
        }
        await writing;

        seen.Select(e => e.EventId).Order().ShouldBe(written.Order());
        seen.Select(e => e.Position).ShouldBeInOrder(SortDirection.Ascending);
    }

    [Fact]
    public async Task The_log_pages_from_any_position_and_the_head_of_an_empty_journal_is_the_start()
    {
        var journal = await OpenAsync();
        (await journal.ReadHeadAsync()).ShouldBe(JournalPosition.Start);
        (await journal.ReadLogAsync(JournalPosition.Start, 10)).ShouldBeEmpty();
        for (var i = 0; i < 5; i++) await journal.AppendAsync($"s/{i}", 0, [Event()]);

        var all = await journal.ReadLogAsync(JournalPosition.Start, 100);
        all.Count.ShouldBe(5);
        (await journal.ReadLogAsync(all[1].Position, 2)).Select(e => e.StreamId).ShouldBe(["s/2", "s/3"]);
        (await journal.ReadLogAsync(all[4].Position, 2)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Each_partition_reads_its_streams_events_in_commit_order_from_any_position()
    {
        var journal = await OpenAsync();
        var streams = Enumerable.Range(0, 40).Select(i => $"task/{i}").ToList();
        streams.Select(JournalPartitions.Of).Distinct().Count().ShouldBe(JournalPartitions.Count, "40 streams land in every partition");
        for (var round = 0; round < 3; round++)
            foreach (var stream in streams) await journal.AppendAsync(stream, round, [Event()]);
        var log = await ReadWholeLogAsync(journal);
        log.Count.ShouldBe(120);

        for (var partition = 0; partition < JournalPartitions.Count; partition++)
        {
            var expected = log.Where(e => JournalPartitions.Of(e.StreamId) == partition).Select(e => e.EventId).ToList();
            var read = await journal.ReadPartitionAsync(partition, JournalPosition.Start, 1000);
            read.Select(e => e.EventId).ShouldBe(expected, $"partition {partition}: its events, in commit order");
            // Paging from the middle: what follows that position in the partition, and no more than asked.
            var page = await journal.ReadPartitionAsync(partition, read[2].Position, 3);
            page.Select(e => e.EventId).ShouldBe(expected.Skip(3).Take(3));
            (await journal.ReadPartitionAsync(partition, read[^1].Position, 10)).ShouldBeEmpty();
        }
    }

    private static ReadRow Row(string key, long version, long seq, string? owner, string state, string text) =>
        new("model", key, version, seq, owner, state, text, Encoding.UTF8.GetBytes($"{{\"v\":{version}}}"));

    [Fact]
    public async Task Read_model_rows_only_move_forward_and_are_found_by_owner_state_words_and_page()
    {
        var journal = await OpenAsync();
        (await journal.AppliedThroughAsync("model")).ShouldAllBe(p => p == JournalPosition.Start);
        await journal.ApplyAsync("model", 2, [Row("a", 1, 10, "w1", "open", "fix the login\nuberpop-1"), Row("b", 1, 11, "w2", "open", "write docs\n")],
            new JournalPosition(0, 5));
        await journal.ApplyAsync("model", 2, [Row("b", 3, 11, "w1", "done", "write docs\n"), Row("c", 1, 12, null, "open", "login page colours\n")],
            new JournalPosition(0, 9));
        // An older version of a row delivered again changes nothing, and progress never goes back.
        await journal.ApplyAsync("model", 2, [Row("b", 2, 11, "w2", "open", "write docs\n")], new JournalPosition(0, 7));
        await journal.ApplyAsync("other", 2, [Row("a", 9, 99, "w9", "open", "elsewhere\n")], new JournalPosition(0, 3));

        (await journal.AppliedThroughAsync("model"))[2].ShouldBe(new JournalPosition(0, 9));
        var b = (await journal.GetAsync("model", ["b", "missing"])).ShouldHaveSingleItem();
        (b.Version, b.Owner, b.State, Encoding.UTF8.GetString(b.Data)).ShouldBe((3L, "w1", "done", """{"v":3}"""));

        async Task<string[]> Keys(string? owner = null, string? state = null, string[]? words = null, long? before = null, int limit = 10) =>
            (await journal.QueryAsync(new ReadQuery("model", owner, state, words ?? [], before, limit))).Select(r => r.Key).ToArray();
        (await Keys()).ShouldBe(["c", "b", "a"], "newest first");
        (await Keys(owner: "w1")).ShouldBe(["b", "a"]);
        (await Keys(state: "open")).ShouldBe(["c", "a"]);
        (await Keys(words: ["login"])).ShouldBe(["c", "a"]);
        (await Keys(words: ["login", "uberpop-1"])).ShouldBe(["a"], "every word");
        (await Keys(words: ["nowhere"])).ShouldBeEmpty();
        (await Keys(limit: 2)).ShouldBe(["c", "b"]);
        (await Keys(before: 11)).ShouldBe(["a"], "the page after the cursor");
        (await journal.KeysAsync("model", "open")).Order().ShouldBe(["a", "c"]);
    }

    [Fact]
    public async Task Partition_listeners_hear_which_partitions_a_commit_wrote_to_after_it_is_readable()
    {
        var journal = await OpenAsync();
        var stream = "task/heard";
        var partition = JournalPartitions.Of(stream);
        var heard = new TaskCompletionSource<(int Partitions, int Readable)>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = journal.OnPartitionsAppended(partitions =>
            heard.TrySetResult((partitions, journal.ReadPartitionAsync(partition, JournalPosition.Start, 10).GetAwaiter().GetResult().Count)));

        await journal.AppendAsync(stream, 0, [Event()]);

        var (partitions, readable) = await heard.Task.WaitAsync(TimeSpan.FromSeconds(10));
        (partitions & JournalPartitions.SetOf(partition)).ShouldNotBe(0, "the partition written to is named");
        readable.ShouldBe(1);
    }

    [Fact]
    public async Task Listeners_hear_of_each_commit_after_it_is_readable()
    {
        var journal = await OpenAsync();
        var heard = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = journal.OnAppended(() => heard.TrySetResult(journal.ReadLogAsync(JournalPosition.Start, 10).GetAwaiter().GetResult().Count));

        await journal.AppendAsync("s/1", 0, [Event()]);

        (await heard.Task.WaitAsync(TimeSpan.FromSeconds(10))).ShouldBe(1);
    }

    [Fact]
    public async Task A_checkpoint_starts_at_the_beginning_moves_only_forward_and_restarts_under_a_new_epoch()
    {
        var journal = await OpenAsync();
        var start = await journal.ReadCheckpointAsync("billing", 3);
        (start.Position, start.Owner).ShouldBe((JournalPosition.Start, null));
        var epoch = start.Epoch;
        (await journal.ReadEpochAsync("billing")).ShouldBe(epoch);

        (await journal.AdvanceCheckpointAsync(start with { Position = new JournalPosition(0, 10), Owner = "silo-a" })).ShouldBeTrue();
        (await journal.AdvanceCheckpointAsync(start with { Position = new JournalPosition(0, 7), Owner = "silo-b" })).ShouldBeFalse();
        (await journal.AdvanceCheckpointAsync(start with { Position = new JournalPosition(0, 10), Owner = "silo-b" })).ShouldBeFalse();
        var moved = await journal.ReadCheckpointAsync("billing", 3);
        (moved.Position, moved.Owner).ShouldBe((new JournalPosition(0, 10), "silo-a"));
        (await journal.ReadCheckpointAsync("billing", 4)).Position.ShouldBe(JournalPosition.Start);
        (await journal.ReadCheckpointAsync("accounting", 3)).Position.ShouldBe(JournalPosition.Start);
        (await journal.ReadCheckpointsAsync("billing")).Select(c => c.Queue).ShouldBe([3]);

        var next = await journal.RestartSubscriptionAsync("billing");
        next.ShouldBeGreaterThan(epoch);
        (await journal.ReadCheckpointAsync("billing", 3)).ShouldSatisfyAllConditions(
            c => c.Position.ShouldBe(JournalPosition.Start), c => c.Epoch.ShouldBe(next));
        // A queue reader of the old epoch can no longer move anything.
        (await journal.AdvanceCheckpointAsync(moved with { Position = new JournalPosition(0, 20) })).ShouldBeFalse();
        (await journal.ReadCheckpointAsync("billing", 3)).Position.ShouldBe(JournalPosition.Start);
        (await journal.AdvanceCheckpointAsync(moved with { Epoch = next, Position = new JournalPosition(0, 2) })).ShouldBeTrue();
        (await journal.ReadCheckpointsAsync("billing")).Single().Position.ShouldBe(new JournalPosition(0, 2));
    }

    [Fact]
    public async Task Concurrent_checkpoint_moves_leave_the_furthest()
    {
        var journal = await OpenAsync();
        var start = await journal.ReadCheckpointAsync("analytics", 0);
        await Task.WhenAll(Enumerable.Range(1, 50).Select(i => Task.Run(() =>
            journal.AdvanceCheckpointAsync(start with { Position = new JournalPosition(0, i), Owner = $"silo-{i}" }))));

        var final = await journal.ReadCheckpointAsync("analytics", 0);
        (final.Position, final.Owner).ShouldBe((new JournalPosition(0, 50), "silo-50"));
    }

    [Fact]
    public async Task A_dead_letter_is_parked_once_per_subscription_and_event_and_can_be_removed()
    {
        var journal = await OpenAsync();
        var result = await journal.AppendAsync("task/a", 0, [Event()]);
        var e = (await journal.ReadStreamAsync("task/a", 0, 1)).Single();
        var first = new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);
        DeadLetter Letter(string subscription, string error, DateTimeOffset at) =>
            new(Guid.NewGuid(), subscription, "billing.account/1", e.EventId, e.StreamId, e.StreamVersion, result.LastPosition, e.Type, error, 1, at, at);

        await journal.ParkAsync(Letter("billing", "it broke", first));
        await journal.ParkAsync(Letter("billing", "it broke again", first.AddMinutes(5)));
        await journal.ParkAsync(Letter("analytics", "elsewhere", first));

        var letters = await journal.ListDeadLettersAsync();
        letters.Count.ShouldBe(2);
        var billing = letters.Single(d => d.Subscription == "billing");
        (billing.Error, billing.Attempts, billing.FirstFailedAt, billing.LastFailedAt).ShouldBe(("it broke again", 2, first, first.AddMinutes(5)));
        (billing.Target, billing.EventId, billing.StreamVersion, billing.Position).ShouldBe(("billing.account/1", e.EventId, 1L, result.LastPosition));

        (await journal.RemoveDeadLetterAsync(billing.Id)).ShouldBeTrue();
        (await journal.RemoveDeadLetterAsync(billing.Id)).ShouldBeFalse();
        (await journal.ListDeadLettersAsync()).Single().Subscription.ShouldBe("analytics");
    }

    [Fact]
    public async Task Shared_keys_are_kept_by_name()
    {
        var journal = await OpenAsync();
        await journal.StoreKeyAsync("data-protection/key-1", "<key id='1'/>");
        await journal.StoreKeyAsync("data-protection/key-2", "<key id='2'/>");
        await journal.StoreKeyAsync("data-protection/key-2", "<key id='2b'/>");
        (await journal.ReadKeysAsync()).OrderBy(k => k.Name).ShouldBe([("data-protection/key-1", "<key id='1'/>"), ("data-protection/key-2", "<key id='2b'/>")]);
    }

    [Fact]
    public async Task What_was_acknowledged_is_there_after_the_journal_is_reopened()
    {
        var journal = await OpenAsync();
        var appended = await journal.AppendAsync("task/a", 0, [Event(), Event()]);
        var start = await journal.ReadCheckpointAsync("billing", 1);
        await journal.AdvanceCheckpointAsync(start with { Position = appended.LastPosition, Owner = "silo-a" });
        await journal.StoreKeyAsync("k", "v");
        await journal.DisposeAsync();
        _open.Remove(journal);

        var reopened = await ReopenAsync();
        if (reopened is null) return; // nothing is kept by this backend
        _open.Add(reopened);
        (await reopened.ReadStreamAsync("task/a", 0, 10)).Count.ShouldBe(2);
        (await reopened.ReadCheckpointAsync("billing", 1)).Position.ShouldBe(appended.LastPosition);
        (await reopened.ReadKeysAsync()).ShouldContain(("k", "v"));
        (await reopened.AppendAsync("task/a", 2, [Event()])).NextExpectedVersion.ShouldBe(3);
        await Should.ThrowAsync<JournalConflictException>(reopened.AppendAsync("task/a", 2, [Event()]));
    }

    protected static async Task<List<JournalEvent>> ReadWholeLogAsync(IEventJournal journal, int page = 1000)
    {
        var all = new List<JournalEvent>();
        var position = JournalPosition.Start;
        while (true)
        {
            var events = await journal.ReadLogAsync(position, page);
            if (events.Count == 0) return all;
            all.AddRange(events);
            position = events[^1].Position;
        }
    }
}

public sealed class InMemoryJournalConformance : JournalConformance
{
    protected override Task<IJournalStore> CreateAsync() => Task.FromResult<IJournalStore>(new Memory.InMemoryJournal());
}

public sealed class SqliteJournalConformance : JournalConformance
{
    private readonly string _directory = Directory.CreateTempSubdirectory("ates-sqlite-").FullName;

    protected override Task<IJournalStore> CreateAsync() =>
        Task.FromResult<IJournalStore>(Sqlite.SqliteJournal.Open(new Sqlite.SqliteJournalOptions { DataDirectory = Path.Combine(_directory, Guid.NewGuid().ToString("N")) }));

    protected override Task<IJournalStore?> ReopenAsync()
    {
        var last = Directory.GetDirectories(_directory).Single(d => Path.GetFileName(d) != "v1");
        return Task.FromResult<IJournalStore?>(Sqlite.SqliteJournal.Open(new Sqlite.SqliteJournalOptions { DataDirectory = last }));
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_journal_file_of_the_first_schema_gets_partitions_and_each_subscription_restarts_where_its_slowest_queue_was()
    {
        var folder = Path.Combine(_directory, "v1");
        Directory.CreateDirectory(folder);
        var file = Path.Combine(folder, Sqlite.SqliteJournal.FileName);
        var streams = Enumerable.Range(0, 30).Select(i => $"task/{i}").ToList();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False"))
        {
            connection.Open();
            Sqlite.SqliteSchema.Migrate(connection, upTo: 1);
            using var insert = connection.CreateCommand();
            insert.CommandText = """
                insert into events (stream_id, stream_version, event_id, type, version, data, occurred_at) values ($stream, 1, $id, 'thing.happened', 1, x'7b7d', 0);
                """;
            foreach (var stream in streams)
            {
                insert.Parameters.Clear();
                insert.Parameters.AddWithValue("$stream", stream);
                insert.Parameters.AddWithValue("$id", Guid.NewGuid());
                insert.ExecuteNonQuery();
            }
            using var checkpoints = connection.CreateCommand();
            // billing: four queues of the old layout, the slowest at 12; analytics: a queue never checkpointed.
            checkpoints.CommandText = """
                insert into checkpoints (subscription, queue, epoch, tx, seq, owner, updated_at) values
                    ('billing', 0, 1, 0, 20, 'a', 0), ('billing', 1, 1, 0, 12, 'a', 0), ('billing', 2, 1, 0, 25, 'a', 0), ('billing', 3, 1, 0, 30, 'a', 0),
                    ('analytics', 0, 1, 0, 20, 'a', 0), ('analytics', 1, 1, 0, 21, 'a', 0), ('analytics', 2, 1, 0, 22, 'a', 0);
                """;
            checkpoints.ExecuteNonQuery();
        }

        await using var journal = Sqlite.SqliteJournal.Open(new Sqlite.SqliteJournalOptions { DataDirectory = folder });
        var log = await journal.ReadLogAsync(JournalPosition.Start, 100);
        for (var partition = 0; partition < JournalPartitions.Count; partition++)
        {
            (await journal.ReadPartitionAsync(partition, JournalPosition.Start, 100)).Select(e => e.StreamId)
                .ShouldBe(log.Where(e => JournalPartitions.Of(e.StreamId) == partition).Select(e => e.StreamId), $"partition {partition}");
        }
        var billing = await journal.ReadCheckpointsAsync("billing");
        billing.Select(c => c.Queue).ShouldBe(Enumerable.Range(0, JournalPartitions.Count));
        billing.ShouldAllBe(c => c.Position == new JournalPosition(0, 12), "every partition starts where the slowest old queue was");
        (await journal.ReadCheckpointsAsync("analytics")).ShouldBeEmpty("a subscription with a queue that never checkpointed starts over");
        (await journal.AppendAsync("task/new", 0, [Event()])).NextExpectedVersion.ShouldBe(1);
        (await journal.ReadPartitionAsync(JournalPartitions.Of("task/new"), log[^1].Position, 10)).Single().StreamId.ShouldBe("task/new");
    }

    [Fact]
    public async Task A_second_silo_cannot_open_a_journal_file_that_is_in_use()
    {
        var journal = await OpenAsync();
        var folder = Directory.GetDirectories(_directory).Single();
        Should.Throw<InvalidOperationException>(() => Sqlite.SqliteJournal.Open(new Sqlite.SqliteJournalOptions { DataDirectory = folder }))
            .Message.ShouldContain("one silo per data directory");
        await journal.DisposeAsync();
        await using var again = Sqlite.SqliteJournal.Open(new Sqlite.SqliteJournalOptions { DataDirectory = folder });
        (await again.ReadHeadAsync()).ShouldBe(JournalPosition.Start);
    }
}
