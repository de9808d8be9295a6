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
