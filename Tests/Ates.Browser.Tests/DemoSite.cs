using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ates.Testing;

namespace Ates.Browser.Tests;

/// <summary>The real silo host as a separate process: in-memory journal, demo users, the web client.</summary>
public sealed class DemoSite : IAsyncLifetime
{
    private SiloProcess? _silo;

    public string BaseUrl => _silo!.Url;

    public async Task InitializeAsync()
    {
        _silo = SiloProcess.Start(new Dictionary<string, string> { ["Ates__DataDirectory"] = "", ["Ates__SeedDemoUsers"] = "true" });
        await _silo.WaitReadyAsync(TimeSpan.FromSeconds(60));
        // Demo users are seeded by a startup task; wait until sign-in works.
        for (var i = 0; i < 100 && (await _silo.Http.PostAsJsonAsync("/api/auth/token", new { email = "admin@ates.local", password = "admin" })).StatusCode != HttpStatusCode.OK; i++)
            await Task.Delay(100);
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
        if (_silo is not null) await _silo.DisposeAsync();
    }
}
