using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Ates.Browser.Tests;

/// <summary>The real silo host as a separate process on a free loopback port, in-memory store, demo users.</summary>
public sealed class SiloProcess : IAsyncLifetime
{
    private Process? _process;
    private readonly System.Text.StringBuilder _output = new();

    public string BaseUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var port = FreePort();
        BaseUrl = $"http://127.0.0.1:{port}";
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Ates.Silo.dll"), "--urls", BaseUrl])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["Ates__DataDirectory"] = "", ["Ates__SeedDemoUsers"] = "true", ["ASPNETCORE_ENVIRONMENT"] = "Production" },
        };
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if ((await http.GetAsync($"{BaseUrl}/health/ready")).StatusCode == HttpStatusCode.OK) break;
            }
            catch (HttpRequestException)
            {
            }
            if (_process.HasExited || DateTime.UtcNow > deadline) throw new InvalidOperationException($"The silo did not start:\n{Output}");
            await Task.Delay(200); // polling a process we do not control; no signal to await
        }
        // Demo users are seeded by a startup task; wait until sign-in works.
        for (var i = 0; i < 100 && (await http.PostAsJsonAsync($"{BaseUrl}/api/auth/token", new { email = "admin@ates.local", password = "admin" })).StatusCode != HttpStatusCode.OK; i++)
            await Task.Delay(100);
    }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public async Task<HttpClient> AdminAsync()
    {
        var http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        var token = await (await http.PostAsJsonAsync("/api/auth/token", new { email = "admin@ates.local", password = "admin" })).Content.ReadFromJsonAsync<JsonElement>();
        http.DefaultRequestHeaders.Authorization = new("Bearer", token.GetProperty("accessToken").GetString());
        return http;
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
