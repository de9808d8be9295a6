using Ates.Storage.Journal;
using Ates.Storage.Sqlite;

namespace Ates.Bench;

/// <summary>
/// The embedded journal (SQLite, WAL, synchronous=FULL, group commit) on its own: the appends a task creation makes
/// (task.created + task.assigned, one append per task), beside one write+fsync per append on the same disk.
/// </summary>
public static class JournalBench
{
    public static async Task<IReadOnlyList<Measurement>> RunAsync(int appendsPerWriter)
    {
        var results = new List<Measurement>();
        using var directory = new TempDirectory("ates-bench-journal-");
        foreach (var writers in new[] { 1, 64 })
        {
            await using var journal = SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = directory.Sub($"journal-{writers}") });
            results.Add(await RawTaskAppendsAsync(journal, "durable appends (SQLite, fsync)", "Ates journal: 2-event task appends, group commit", writers,
                writers == 1 ? Math.Min(appendsPerWriter * 4, 2_000) : appendsPerWriter));
        }

        // Baseline: what a store without group commit does, one write and one fsync per append.
        await using var file = new FileStream(directory.Sub("baseline.log"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        var frame = new byte[700]; // about the size of the two JSON events of a task
        var fileLock = new SemaphoreSlim(1, 1);
        results.Add(await Load.RunAsync("durable appends (SQLite, fsync)", "baseline: write+fsync each", 1, 2_000, _ => async () =>
        {
            await fileLock.WaitAsync();
            try
            {
                file.Write(frame);
                file.Flush(flushToDisk: true);
            }
            finally
            {
                fileLock.Release();
            }
        }, "1 writer, same disk"));
        return results;
    }

    /// <summary>
    /// Raw appends of what <c>ITaskGrain.Create</c> writes: a new task stream with task.created and task.assigned (JSON
    /// from the domain's own contracts, encoded per task as the grain does), one append per task, <paramref name="writers"/> at once.
    /// </summary>
    public static Task<Measurement> RawTaskAppendsAsync(IJournalStore journal, string scenario, string variant, int writers, int appendsPerWriter)
    {
        var creator = Guid.CreateVersion7();
        var assignees = Enumerable.Range(0, 20).Select(_ => Guid.CreateVersion7()).ToArray();
        return Load.RunAsync(scenario, variant, writers, appendsPerWriter, _ => () =>
        {
            var (taskId, events, _) = BenchEvents.TaskCreation(creator, assignees[Random.Shared.Next(assignees.Length)], DateTimeOffset.UtcNow);
            return journal.AppendAsync(BenchEvents.TaskStream(taskId), 0, events);
        }, $"{writers} writer{(writers == 1 ? "" : "s")}, 2 events each");
    }
}
