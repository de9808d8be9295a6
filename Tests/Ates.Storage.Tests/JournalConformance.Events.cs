using System.Collections.Concurrent;
using System.Text;

namespace Ates.Storage.Tests;

// The contract's events: appends at expected versions, one commit order in the log and in each partition, listeners.
public abstract partial class JournalConformance
{
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
}
