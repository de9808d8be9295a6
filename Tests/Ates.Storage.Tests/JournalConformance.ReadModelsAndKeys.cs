using System.Text;

namespace Ates.Storage.Tests;

// The contract's read-model rows and shared keys.
public abstract partial class JournalConformance
{
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
    public async Task Shared_keys_are_kept_by_name()
    {
        var journal = await OpenAsync();
        await journal.StoreKeyAsync("data-protection/key-1", "<key id='1'/>");
        await journal.StoreKeyAsync("data-protection/key-2", "<key id='2'/>");
        await journal.StoreKeyAsync("data-protection/key-2", "<key id='2b'/>");
        (await journal.ReadKeysAsync()).OrderBy(k => k.Name).ShouldBe([("data-protection/key-1", "<key id='1'/>"), ("data-protection/key-2", "<key id='2b'/>")]);
    }
}
