using Ates.Runtime;
using Ates.Runtime.Storage.Embedded;

namespace Ates.Bench;

/// <summary>Durable appends to the embedded journal (fsync on) against one write+fsync per append on the same disk.</summary>
public static class JournalBench
{
    public static async Task<IReadOnlyList<Measurement>> RunAsync(int appendsPerWriter)
    {
        var results = new List<Measurement>();
        var directory = Directory.CreateTempSubdirectory("ates-bench-").FullName;
        try
        {
            foreach (var writers in new[] { 1, 64 })
            {
                var dataDirectory = Path.Combine(directory, $"journal-{writers}");
                await using var store = EmbeddedStore.Open(new EmbeddedStoreOptions { DataDirectory = dataDirectory, Fsync = true });
                var versions = new long[writers];
                var payload = System.Text.Encoding.UTF8.GetBytes("{\"taskId\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"amount\":17}");
                var metadata = new EventMetadata(DateTimeOffset.UtcNow, "bench", null, null, null);
                var batchesBefore = store.JournalBatches;
                var m = await Load.RunAsync("durable appends (fsync)", "Ates journal, group commit", writers, appendsPerWriter, w => async () =>
                {
                    var result = await store.AppendAsync($"bench/{w}", versions[w], $"bench/{w}",
                        [new EventData(Guid.CreateVersion7(), "bench.appended", 1, payload, metadata)]);
                    versions[w] = result.NextExpectedVersion;
                }, $"{writers} writers");
                var fsyncs = store.JournalBatches - batchesBefore;
                results.Add(m with { Note = $"{m.Note}, {m.Operations / (double)Math.Max(1, fsyncs):F1} appends/fsync" });
            }

            // Baseline: what a store without group commit does, one write and one fsync per append.
            await using var file = new FileStream(Path.Combine(directory, "baseline.log"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            var frame = new byte[160];
            var fileLock = new SemaphoreSlim(1, 1);
            results.Add(await Load.RunAsync("durable appends (fsync)", "baseline: write+fsync each", 1, Math.Min(appendsPerWriter, 2_000), _ => async () =>
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
            }, "1 writer"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        return results;
    }
}
