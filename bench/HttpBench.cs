using Ates.Testing;

namespace Ates.Bench;

/// <summary>Task creations over HTTP against the real silo process, beside a no-op route on the same connections.</summary>
public static class HttpBench
{
    public const int Connections = 64;

    /// <param name="environment">Settings of the silo process (e.g. the Postgres store); the embedded journal in a temporary directory when null.</param>
    public static async Task<IReadOnlyList<Measurement>> RunAsync(int requestsPerConnection, IReadOnlyDictionary<string, string>? environment = null, string storeName = "SQLite")
    {
        var results = new List<Measurement>();
        using var directory = new TempDirectory("ates-bench-http-");
        var settings = new Dictionary<string, string> { ["Ates__DataDirectory"] = directory.Path, ["Ates__SeedDemoUsers"] = "true" };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) settings[key] = value;
        await using var silo = SiloProcess.Start(settings);
        await silo.WaitReadyAsync();
        var client = new AtesClient(silo.Http);
        await client.SignInAsync("manager@ates.local", "manager"); // sign-in is rate limited: one per process
        var http = silo.Http;

        Task Create() => client.CreateTaskAsync("HTTP benchmark task", "UBERPOP-1");
        async Task Live()
        {
            using var response = await http.GetAsync("/health/live");
            response.EnsureSuccessStatusCode();
        }

        // The no-work route first, while the silo is idle; then the creations (whose subscriptions' work outlives them).
        await Load.RunAsync("warm-up", "", Connections, 20, _ => Live);
        var live = await Load.RunAsync($"task creations over HTTP ({storeName})", "baseline: GET /health/live", Connections, requestsPerConnection, _ => Live,
            $"{Connections} connections, no work");
        await Load.RunAsync("warm-up", "", Connections, 10, _ => Create);
        var create = await Load.RunAsync($"task creations over HTTP ({storeName})", "Ates: POST /api/tasks", Connections, requestsPerConnection, _ => Create);
        var (warnings, errors) = silo.Logged;
        results.Add(create with { Note = $"{Connections} connections, bearer token; {create.PerSecond / live.PerSecond:F2}× the no-work route; silo logged {warnings} warnings, {errors} errors" });
        results.Add(live);
        return results;
    }
}
