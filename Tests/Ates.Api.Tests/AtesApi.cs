using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Ates.Api.Tests;

/// <summary>One silo host in memory with the demo users, and clients signed in as each of them.</summary>
public sealed class AtesApi : WebApplicationFactory<Program>
{
    public static readonly string[] Roles = ["admin", "manager", "accountant", "worker"];
    private readonly Dictionary<string, string> _tokens = [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Ates:DataDirectory", "");
        builder.UseSetting("Ates:SeedDemoUsers", "true");
        builder.UseEnvironment("Production");
    }

    /// <summary>
    /// A client with a bearer token for the demo user of that role ("worker" is worker1), or anonymous for null; the
    /// token is shared by the class's tests unless <paramref name="newSession"/> (for a test that ends its session).
    /// </summary>
    public async Task<HttpClient> ClientAsync(string? role, bool newSession = false)
    {
        var client = CreateClient();
        if (role is null) return client;
        var email = role == "worker" ? "worker1@ates.local" : $"{role}@ates.local";
        if (newSession) _tokens.Remove(email, out _);
        if (!_tokens.TryGetValue(email, out var token))
        {
            var response = await CreateClient().PostAsJsonAsync("/api/auth/token", new { email, password = email.Split('@')[0] });
            response.EnsureSuccessStatusCode();
            token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
            if (!newSession) _tokens[email] = token;
        }
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async Task<JsonElement> JsonAsync(string role, string path)
    {
        var client = await ClientAsync(role);
        var response = await client.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task<Guid> UserIdAsync(string email)
    {
        var users = await JsonAsync("admin", "/api/users");
        return users.EnumerateArray().Single(u => u.GetProperty("email").GetString() == email).GetProperty("id").GetGuid();
    }

    /// <summary>Events a request caused: they carry its correlation id (and so do their consequences).</summary>
    public async Task<int> EventsCausedByAsync(string correlationId)
    {
        var count = 0;
        string? after = null;
        do
        {
            var page = await JsonAsync("admin", "/api/events?limit=1000" + (after is null ? "" : $"&after={after}"));
            count += page.GetProperty("items").EnumerateArray().Count(e => e.GetProperty("correlationId").GetString() == correlationId);
            after = page.GetProperty("next").GetString();
        } while (after is not null);
        return count;
    }

    /// <summary>Asks again every 50 ms until the condition holds (what the API shows follows the journal eventually).</summary>
    public async Task UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("The condition did not hold in time.");
            }
        }
    }
}
