using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Ates.Testing;

namespace Ates.Browser.Tests;

/// <summary>The real silo host as a separate process: in-memory journal, demo users, the web client.</summary>
public sealed class DemoSite : IAsyncLifetime
{
    private SiloProcess? _silo;

    public string BaseUrl => _silo!.Url;

    /// <summary>The business day (UTC) the site started on: no day before it may be listed.</summary>
    public DateOnly StartedOn { get; private set; }

    public async Task InitializeAsync()
    {
        StartedOn = DateOnly.FromDateTime(DateTime.UtcNow);
        _silo = SiloProcess.Start(new Dictionary<string, string> { ["Ates__DataDirectory"] = "", ["Ates__SeedDemoUsers"] = "true" });
        await _silo.WaitReadyAsync(TimeSpan.FromSeconds(60));
        await Site.UntilSignInWorksAsync(_silo.Http);
    }

    private readonly Dictionary<string, Task<HttpClient>> _clients = [];

    /// <summary>An API client signed in as the admin, once per run.</summary>
    public Task<HttpClient> AdminAsync() => SignInAsync("admin");

    /// <summary>An API client signed in as a demo user (bearer token), once per run: sign-in is rate-limited.</summary>
    public Task<HttpClient> SignInAsync(string user)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(user, out var client)) _clients[user] = client = Site.SignInAsync(BaseUrl, $"{user}@ates.local", user);
            return client;
        }
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null) await _silo.DisposeAsync();
    }
}

/// <summary>A user as the admin's users list shows them.</summary>
public sealed record SiteUser(Guid Id, string Email, string Name, string Role, bool Disabled);

/// <summary>A task as the API answered its creation.</summary>
public sealed record SiteTask(Guid Id, string Title, string? JiraId, Guid AssigneeId, decimal AssignFee, decimal Reward)
{
    /// <summary>How the web client labels it.</summary>
    public string Label => JiraId is null ? Title : $"[{JiraId}] {Title}";
}

/// <summary>The API calls tests make around the browser: signing in, the users list, tasks for a given person.</summary>
public static class Site
{
    public static async Task UntilSignInWorksAsync(HttpClient http)
    {
        // Demo users are seeded by a startup task; wait until sign-in works.
        for (var i = 0; i < 100 && (await http.PostAsJsonAsync("/api/auth/token", new { email = "admin@ates.local", password = "admin" })).StatusCode != HttpStatusCode.OK; i++)
            await Task.Delay(100);
    }

    private static int _lastAddress = 1;

    /// <summary>
    /// A client whose connections come from a loopback address of its own (127.0.0.2, .3, …): sign-in is rate-limited per
    /// address (10 a minute), and the tests sign in more often than that. Linux routes all of 127/8 to the loopback device.
    /// </summary>
    public static HttpClient Client(string baseUrl, CookieContainer? cookies = null)
    {
        var source = IPAddress.Parse($"127.0.0.{2 + Interlocked.Increment(ref _lastAddress) % 250}");
        var handler = new SocketsHttpHandler
        {
            UseCookies = cookies is not null,
            CookieContainer = cookies ?? new CookieContainer(),
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri(baseUrl) };
    }

    /// <summary>Signs in as a browser does (POST /api/auth/login) and hands back the auth cookie for a browser context.</summary>
    public static async Task<IReadOnlyList<Cookie>> CookiesAsync(string baseUrl, string email, string password)
    {
        var cookies = new CookieContainer();
        using var http = Client(baseUrl, cookies);
        (await http.PostAsJsonAsync("/api/auth/login", new { email, password })).EnsureSuccessStatusCode();
        return cookies.GetCookies(new Uri(baseUrl)).ToList();
    }

    public static async Task<HttpClient> SignInAsync(string baseUrl, string email, string password)
    {
        var http = Client(baseUrl);
        var response = await http.PostAsJsonAsync("/api/auth/token", new { email, password });
        response.EnsureSuccessStatusCode();
        var token = await response.Content.ReadFromJsonAsync<JsonElement>();
        http.DefaultRequestHeaders.Authorization = new("Bearer", token.GetProperty("accessToken").GetString());
        return http;
    }

    public static async Task<List<SiteUser>> UsersAsync(this HttpClient admin)
    {
        var users = await admin.GetFromJsonAsync<JsonElement>("/api/users");
        return users.EnumerateArray().Select(u => new SiteUser(
            u.GetProperty("id").GetGuid(), u.GetProperty("email").GetString()!, u.GetProperty("name").GetString()!, u.GetProperty("role").GetString()!,
            u.TryGetProperty("disabled", out var disabled) && disabled.ValueKind == JsonValueKind.True)).ToList();
    }

    public static async Task<SiteUser> UserAsync(this HttpClient admin, string email) => (await admin.UsersAsync()).Single(u => u.Email == email);

    public static async Task<SiteTask> CreateTaskAsync(this HttpClient http, string title, string? jiraId = null)
    {
        var response = await http.PostAsJsonAsync("/api/tasks", new { title, jiraId });
        response.EnsureSuccessStatusCode();
        var t = await response.Content.ReadFromJsonAsync<JsonElement>();
        return new SiteTask(t.GetProperty("id").GetGuid(), t.GetProperty("title").GetString()!, t.TryGetProperty("jiraId", out var j) ? j.GetString() : null,
            t.GetProperty("assigneeId").GetGuid(), t.GetProperty("assignFee").GetDecimal(), t.GetProperty("reward").GetDecimal());
    }

    /// <summary>
    /// Creates tasks named "<paramref name="title"/> 1", "… 2", … until one is drawn for <paramref name="assignee"/>: the server picks
    /// assignees at random among everyone assignable, and a test must not change other people's roles under the other tests.
    /// </summary>
    public static async Task<SiteTask> CreateTaskForAsync(this HttpClient http, Guid assignee, string title, string? jiraId = null)
    {
        for (var i = 1; i <= 200; i++)
        {
            var task = await http.CreateTaskAsync($"{title} {i.ToString(CultureInfo.InvariantCulture)}", jiraId);
            if (task.AssigneeId == assignee) return task;
        }
        throw new InvalidOperationException($"No task of 200 was drawn for {assignee}.");
    }

    public static async Task CompleteAsync(this HttpClient http, Guid task) =>
        (await http.PostAsync($"/api/tasks/{task}/complete", null)).EnsureSuccessStatusCode();
}
