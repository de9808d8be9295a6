using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ates.Client;

namespace Ates.Bench;

/// <summary>Task creations over HTTP against the real silo process (embedded store on disk, fsync on), beside a no-op route.</summary>
public static class HttpBench
{
    /// <param name="environment">Settings of the silo process (e.g. the Postgres store); the embedded store in a temporary directory when null.</param>
    public static async Task<IReadOnlyList<Measurement>> RunAsync(int requestsPerCaller, IReadOnlyDictionary<string, string>? environment = null, string storeName = "fsync")
    {
        var results = new List<Measurement>();
        var directory = Directory.CreateTempSubdirectory("ates-bench-http-").FullName;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        listener.Stop();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Ates.Silo.dll"), "--urls", url])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["Ates__DataDirectory"] = directory, ["Logging__LogLevel__Default"] = "Warning" },
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var silo = Process.Start(start)!;
        silo.OutputDataReceived += (_, _) => { };
        silo.ErrorDataReceived += (_, _) => { };
        silo.BeginOutputReadLine();
        silo.BeginErrorReadLine();
        try
        {
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
            using var http = new HttpClient(handler) { BaseAddress = new Uri(url) };
            var client = new AtesClient(http);
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    await client.SignInAsync("manager@ates.local", "manager");
                    break;
                }
                catch (Exception) when (attempt < 300)
                {
                    await Task.Delay(100); // the silo process is still starting
                }
            }

            const int callers = 64;
            Task Create() => client.CreateTaskAsync("HTTP benchmark task", "UBERPOP-1");
            async Task Live()
            {
                using var response = await http.GetAsync("/health/live");
                response.EnsureSuccessStatusCode();
            }
            await Load.RunAsync("warm-up", "", callers, 50, _ => Create);
            results.Add(await Load.RunAsync($"task creations over HTTP ({storeName})", "Ates: POST /api/tasks", callers, requestsPerCaller, _ => Create, $"{callers} connections, bearer token"));
            results.Add(await Load.RunAsync($"task creations over HTTP ({storeName})", "baseline: GET /health/live", callers, requestsPerCaller, _ => Live, $"{callers} connections, no work"));
        }
        finally
        {
            silo.Kill(entireProcessTree: true);
            await silo.WaitForExitAsync();
            Directory.Delete(directory, recursive: true);
        }
        return results;
    }
}
