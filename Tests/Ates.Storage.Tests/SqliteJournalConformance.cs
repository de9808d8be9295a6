namespace Ates.Storage.Tests;

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
