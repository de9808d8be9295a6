using Ates.Runtime;
using Ates.Runtime.Storage.Postgres;
using Ates.Runtime.Testing;

namespace Ates.Bench;

/// <summary>
/// Group-committed appends to the PostgreSQL store alone (no silo, no subscriptions), on a throwaway server: the
/// provider's own ceiling, to set beside `pgbench -N` and beside task creations.
/// </summary>
public static class PostgresAppendBench
{
    public static async Task<IReadOnlyList<Measurement>> RunAsync(int appendsPerWriter)
    {
        var results = new List<Measurement>();
        await using var server = await PostgresTestServer.StartThrowawayAsync();
        await using var store = await PostgresStore.OpenAsync(new PostgresStoreOptions { ConnectionString = await server.CreateDatabaseAsync() });
        var payload = System.Text.Encoding.UTF8.GetBytes("{\"taskId\":\"0f8fad5b-d9cb-469f-a165-70867728950e\",\"title\":\"Benchmark task\",\"amount\":17}");
        var metadata = new EventMetadata(DateTimeOffset.UtcNow, "bench", null, null, null);
        foreach (var writers in new[] { 8, 64 })
        {
            results.Add(await Load.RunAsync("durable appends (Postgres)", "Ates: new 2-event streams, group commit", writers, appendsPerWriter, _ => () =>
            {
                var stream = $"raw/{Guid.NewGuid():N}";
                return store.AppendAsync(stream, 0, stream,
                    [new EventData(Guid.CreateVersion7(), "raw.a", 1, payload, metadata), new EventData(Guid.CreateVersion7(), "raw.b", 1, payload, metadata)]);
            }, $"{writers} writers"));
        }
        return results;
    }
}
