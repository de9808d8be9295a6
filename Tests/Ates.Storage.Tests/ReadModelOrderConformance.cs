namespace Ates.Storage.Tests;

/// <summary>The read models' other orders (the task board by fee and by reward) and counts, on every backend.</summary>
public abstract partial class JournalConformance
{
    [Fact]
    public async Task Read_model_rows_sort_by_a_rank_with_ties_newest_first_page_by_rank_and_seq_and_are_counted()
    {
        var journal = await OpenAsync();
        ReadRow Ranked(string key, long seq, decimal a, decimal b, string state = "open") =>
            new("model", key, 1, seq, "w1", state, $"task {key}\n", [1], a, b);
        await journal.ApplyAsync("model", 0, [Ranked("a", 10, 15, 30), Ranked("b", 11, 20, 25), Ranked("c", 12, 15, 40, "done"), Ranked("d", 13, 10.5m, 25)],
            new JournalPosition(0, 20));
        await journal.ApplyAsync("other", 0, [Ranked("z", 99, 99, 99)], new JournalPosition(0, 3));

        async Task<(string[] Keys, ReadRow Last)> Page(ReadOrder order, int limit, ReadRow? after = null, string? state = null)
        {
            var query = new ReadQuery("model", null, state, [], after?.Seq, limit, order, after is null ? null : new ReadQuery("model", null, null, [], null, 1, order).RankOf(after));
            var rows = await journal.QueryAsync(query);
            return (rows.Select(r => r.Key).ToArray(), rows[^1]);
        }

        (await Page(ReadOrder.RankA, 10)).Keys.ShouldBe(["b", "c", "a", "d"], "highest fee first, the newer of two equal fees first");
        (await Page(ReadOrder.RankB, 10)).Keys.ShouldBe(["c", "a", "d", "b"], "highest reward first, the newer of two equal rewards first");
        (await Page(ReadOrder.Seq, 10)).Keys.ShouldBe(["d", "c", "b", "a"]);

        var first = await Page(ReadOrder.RankA, 2);
        first.Keys.ShouldBe(["b", "c"]);
        (await Page(ReadOrder.RankA, 2, first.Last)).Keys.ShouldBe(["a", "d"], "the next page starts after the tie's first row, skipping nothing");
        var byReward = await Page(ReadOrder.RankB, 3);
        (await Page(ReadOrder.RankB, 3, byReward.Last)).Keys.ShouldBe(["b"]);
        (await Page(ReadOrder.RankB, 10, state: "open")).Keys.ShouldBe(["a", "d", "b"]);

        (await journal.CountAsync(new ReadQuery("model", null, null, [], null, 1))).ShouldBe(4);
        (await journal.CountAsync(new ReadQuery("model", "w1", "open", ["task"], 11, 1, ReadOrder.RankA, 20))).ShouldBe(3, "a count ignores the cursor and the limit");
        (await journal.CountAsync(new ReadQuery("model", null, null, ["nowhere"], null, 1))).ShouldBe(0);
        (await journal.GetAsync("model", ["d"])).Single().RankA.ShouldBe(10.5m, "ranks keep their fractions");
    }
}

public sealed class SqliteReadModelMigrationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("ates-sqlite-v3-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_task_board_of_the_third_schema_gets_each_tasks_fee_and_reward_as_its_ranks()
    {
        var file = Path.Combine(_folder, Sqlite.SqliteJournal.FileName);
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Pooling=False"))
        {
            connection.Open();
            Sqlite.SqliteSchema.Migrate(connection, upTo: 3);
            using var insert = connection.CreateCommand();
            insert.CommandText = """
                insert into read_rows (model, key, version, seq, owner, state, text, data) values
                    ('task-board', 'a', 1, 1, null, 'open', 'a', cast('{"id":"a","assignFee":17,"reward":33}' as blob)),
                    ('task-board', 'b', 1, 2, null, 'open', 'b', cast('{"id":"b","assignFee":12,"reward":39}' as blob)),
                    ('elsewhere', 'c', 1, 3, null, 'open', 'c', cast('{"assignFee":99}' as blob));
                """;
            insert.ExecuteNonQuery();
        }

        await using var journal = Sqlite.SqliteJournal.Open(new Sqlite.SqliteJournalOptions { DataDirectory = _folder });
        var rows = (await journal.GetAsync("task-board", ["a", "b"])).OrderBy(r => r.Key).ToList();
        rows.Select(r => (r.RankA, r.RankB)).ShouldBe([(17m, 33m), (12m, 39m)]);
        (await journal.GetAsync("elsewhere", ["c"])).Single().RankA.ShouldBe(0m, "only the task board's rows hold tasks");
        (await journal.QueryAsync(new ReadQuery("task-board", null, null, [], null, 10, ReadOrder.RankB))).Select(r => r.Key).ShouldBe(["b", "a"]);
    }
}
