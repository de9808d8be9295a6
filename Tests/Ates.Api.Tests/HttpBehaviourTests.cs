using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ates.Api.Tests;

public sealed class HttpBehaviourTests(AtesApi api) : IClassFixture<AtesApi>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static TheoryData<string, string, string?, string?> BadRequests() => new()
    {
        // method, path, body (null: none), content type
        { "POST", "/api/tasks", """{"title": "unterminated""", "application/json" },
        { "POST", "/api/tasks", """{"title": 42}""", "application/json" },
        { "POST", "/api/tasks", """[1,2,3]""", "application/json" },
        { "POST", "/api/tasks", """{"title": ""}""", "application/json" },
        { "POST", "/api/tasks", """{"title": "[UBERPOP-1] brackets"}""", "application/json" },
        { "POST", "/api/tasks", "title=plain", "text/plain" },
        { "POST", "/api/tasks", null, null },
        { "POST", "/api/users", """{"email":"x@ates.test","name":"X","role":"boss","password":"longenough"}""", "application/json" },
        { "POST", "/api/users", """{"email":"x@ates.test","name":"X","role":"worker","password":"short"}""", "application/json" },
        { "POST", "/api/users", """{"email":"not an email","name":"X","role":"worker","password":"longenough"}""", "application/json" },
        { "GET", "/api/tasks/not-a-guid", null, null },
        { "GET", "/api/tasks?limit=100000", null, null },
        { "GET", "/api/tasks?status=closed", null, null },
        { "GET", "/api/tasks?assignee=nobody", null, null },
        { "GET", "/api/tasks?after=garbage", null, null },
        { "GET", "/api/accounting/days?from=yesterday", null, null },
        { "GET", "/api/accounting/days?from=2026-01-10&to=2026-01-01", null, null },
        { "GET", "/api/analytics/most-expensive?period=year", null, null },
        { "GET", "/api/events?after=1:2:3", null, null },
        { "POST", "/api/accounting/close-day", """{"date":"2999-01-01"}""", "application/json" },
        { "GET", "/api/accounting/days?from=9999-12-31&to=9999-12-31", null, null },
        { "GET", "/api/analytics/most-expensive?period=week&date=9999-12-31", null, null },
        { "POST", "/api/accounting/close-day", """{"date":"9999-12-31"}""", "application/json" },
        { "GET", "/api/no/such/route", null, null },
        { "DELETE", "/api/tasks", null, null },
        { "PUT", "/api/me", null, null },
        { "POST", "/api/tasks", """{"title": "Fine", "colour": "red"}""", "application/json" },
        { "PUT", "/api/users/00000000-0000-0000-0000-000000000001/disabled", """{"disabled": "maybe"}""", "application/json" },
        { "GET", "/api/accounts/me/log?from=2026-01-10&to=2026-01-01", null, null },
        { "GET", "/api/analytics/most-expensive?from=2026-01-10&to=2026-01-01", null, null },
        { "GET", "/api/tasks?q=" + new string('q', 201), null, null },
        { "GET", "/api/accounts/me?at=yesterday", null, null },
        { "GET", "/api/accounts/me/log?at=2999-01-01T00:00:00Z", null, null },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_input_gets_a_clear_4xx_problem_and_changes_nothing(string method, string path, string? body, string? contentType)
    {
        var client = await api.ClientAsync("admin");
        var correlation = $"bad-{Guid.NewGuid():N}";
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("X-Correlation-Id", correlation);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType!);
        var response = await client.SendAsync(request);

        ((int)response.StatusCode).ShouldBeInRange(400, 499, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("status").GetInt32().ShouldBe((int)response.StatusCode);
        problem.GetProperty("title").GetString().ShouldNotBeNullOrWhiteSpace();
        // Plain words: never the framework's or .NET's names for things.
        var text = problem.GetRawText();
        foreach (var internals in new[] { "Nullable", "Implicit body", "Ates.", "System.", "parameter \"", ".NET", "inferred" }) text.ShouldNotContain(internals);
        if (response.StatusCode == HttpStatusCode.BadRequest && problem.TryGetProperty("errors", out var errors))
            errors.EnumerateObject().ShouldAllBe(field => field.Value.GetArrayLength() > 0);
        (await api.EventsCausedByAsync(correlation)).ShouldBe(0);
    }

    [Fact]
    public async Task A_five_megabyte_body_is_refused_with_413_before_it_is_read()
    {
        var client = await api.ClientAsync("admin");
        var huge = "{\"title\":\"" + new string('x', 5 * 1024 * 1024) + "\"}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = Json(huge) };
        request.Headers.Add("X-Correlation-Id", "five-megabytes");
        var response = await client.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await api.EventsCausedByAsync("five-megabytes")).ShouldBe(0);
    }

    [Fact]
    public async Task A_title_error_names_the_field()
    {
        var response = await (await api.ClientAsync("worker")).PostAsync("/api/tasks", Json("""{"title":""}"""));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors").GetProperty("title")[0].GetString()!.ShouldContain("required");
    }

    [Fact]
    public async Task Only_the_assignee_completes_a_task_over_http_and_only_once()
    {
        var manager = await api.ClientAsync("manager");
        var created = await manager.PostAsync("/api/tasks", Json("""{"title":"Complete me","jiraId":"UBERPOP-9"}"""));
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var task = await created.Content.ReadFromJsonAsync<JsonElement>();
        created.Headers.Location!.ToString().ShouldBe($"/api/tasks/{task.GetProperty("id").GetGuid()}");
        var assignee = task.GetProperty("assigneeId").GetGuid();
        var users = await api.JsonAsync("admin", "/api/users");
        var email = users.EnumerateArray().Single(u => u.GetProperty("id").GetGuid() == assignee).GetProperty("email").GetString()!;

        (await manager.PostAsync($"/api/tasks/{task.GetProperty("id")}/complete", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var assigneeClient = api.CreateClient();
        var token = await (await assigneeClient.PostAsJsonAsync("/api/auth/token", new { email, password = email.Split('@')[0] })).Content.ReadFromJsonAsync<JsonElement>();
        assigneeClient.DefaultRequestHeaders.Authorization = new("Bearer", token.GetProperty("accessToken").GetString());
        var done = await assigneeClient.PostAsync($"/api/tasks/{task.GetProperty("id")}/complete", null);
        done.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await done.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString().ShouldBe("done");
        (await assigneeClient.PostAsync($"/api/tasks/{task.GetProperty("id")}/complete", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await manager.PostAsync($"/api/tasks/{Guid.NewGuid()}/complete", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_browser_cookie_is_httponly_and_samesite_strict_and_works_on_the_api()
    {
        var client = api.CreateClient(new() { HandleCookies = true });
        var login = await client.PostAsync("/api/auth/login", Json("""{"email":"accountant@ates.local","password":"accountant"}"""));
        login.StatusCode.ShouldBe(HttpStatusCode.OK);
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ates.auth=", StringComparison.Ordinal)).ToLowerInvariant();
        cookie.ShouldContain("httponly");
        cookie.ShouldContain("samesite=strict");
        (await client.GetFromJsonAsync<JsonElement>("/api/me")).GetProperty("role").GetString().ShouldBe("accountant");
        (await client.PostAsync("/api/auth/logout", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await client.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_response_is_a_bearer_token_with_its_lifetime()
    {
        var response = await api.CreateClient().PostAsJsonAsync("/api/auth/token", new { email = "manager@ates.local", password = "manager" });
        var token = await response.Content.ReadFromJsonAsync<JsonElement>();
        token.GetProperty("tokenType").GetString().ShouldBe("Bearer");
        token.GetProperty("expiresIn").GetInt64().ShouldBe(3600);
        token.GetProperty("accessToken").GetString().ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task The_callers_correlation_id_is_echoed_and_lands_on_the_events_it_causes()
    {
        var client = await api.ClientAsync("manager");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = Json("""{"title":"Correlated"}""") };
        request.Headers.Add("X-Correlation-Id", "req-2026-11-21");
        var response = await client.SendAsync(request);
        response.Headers.GetValues("X-Correlation-Id").Single().ShouldBe("req-2026-11-21");
        var events = (await api.JsonAsync("admin", "/api/events?limit=1000")).GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("correlationId").GetString() == "req-2026-11-21").Select(e => e.GetProperty("type").GetString()).ToList();
        events.ShouldContain("task.created");
        events.ShouldContain("task.assigned");
    }

    [Fact]
    public async Task Password_hashes_never_leave_the_silo_through_the_event_feed()
    {
        var items = (await api.JsonAsync("admin", "/api/events?limit=1000")).GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "user.registered").ToList();
        items.ShouldNotBeEmpty();
        foreach (var e in items) e.GetProperty("data").TryGetProperty("passwordHash", out var _).ShouldBeFalse();
    }

    [Fact]
    public async Task Sign_in_is_rate_limited_with_429_that_says_when_to_try_again()
    {
        // A fresh host, so the limit is this test's own.
        await using var isolated = new AtesApi();
        var client = isolated.CreateClient();
        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < Ates.Client.Gateway.Auth.SignInsPerMinute + 2; i++)
            // Another email each time: this is the address's limit, not an account's (ten failures lock one account).
            responses.Add(await client.PostAsync("/api/auth/login", Json($$"""{"email":"guess{{i}}@ates.local","password":"nope"}""")));
        responses.Take(Ates.Client.Gateway.Auth.SignInsPerMinute).ShouldAllBe(r => r.StatusCode == HttpStatusCode.Unauthorized);
        foreach (var refused in responses.Skip(Ates.Client.Gateway.Auth.SignInsPerMinute))
        {
            refused.StatusCode.ShouldBe((HttpStatusCode)429);
            var seconds = int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture);
            seconds.ShouldBeInRange(1, 60);
            (await refused.Content.ReadAsStringAsync()).ShouldContain($"Wait {seconds} seconds");
        }
    }
}
