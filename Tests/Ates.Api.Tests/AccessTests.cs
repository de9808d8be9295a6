using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ates.Grains.Interfaces;

namespace Ates.Api.Tests;

/// <summary>
/// Every route × every role and anonymous: exactly the access docs/api.md grants, never more. The same table is checked
/// against the running server (each role's token) and against the OpenAPI document (each operation's security, 401 and
/// 403), so neither can drift from it.
/// </summary>
public sealed class AccessTests(AtesApi api) : IClassFixture<AtesApi>
{
    private const string Any = "any";

    // (method, path template, JSON body, who may: "any" signed-in user, or a list of roles)
    public static readonly (string Method, string Path, string? Body, string Who)[] Routes =
    [
        ("GET", "/api/me", null, Any),
        ("POST", "/api/me/password", """{"currentPassword":"not it","newPassword":"long enough"}""", Any),
        ("POST", "/api/auth/logout", null, Any),
        ("GET", "/api/people", null, Any),
        ("GET", "/api/users", null, "admin"),
        ("PUT", "/api/users/{worker0}/disabled", """{"disabled":false}""", "admin"),
        ("POST", "/api/users", """{"email":"new-{n}@ates.test","name":"New","role":"worker","password":"longenough"}""", "admin"),
        ("PUT", "/api/users/{worker0}/role", """{"role":"worker"}""", "admin"),
        ("PATCH", "/api/users/{worker0}", """{"name":"Worker 0"}""", "admin"),
        ("POST", "/api/users/{worker2}/password-reset", null, "admin"),
        ("POST", "/api/tasks", """{"title":"Routed task"}""", Any),
        ("GET", "/api/tasks?assignee=me&status=open&limit=10", null, Any),
        ("GET", "/api/tasks?status=done&sort=reward", null, Any),
        ("GET", "/api/tasks/{task}", null, Any),
        ("GET", "/api/tasks/{task}/history", null, Any),
        ("POST", "/api/tasks/{task}/complete", null, Any),
        ("POST", "/api/tasks/shuffle", null, "manager,admin"),
        ("GET", "/api/accounts/me", null, Any),
        ("GET", "/api/accounts/me/log", null, Any),
        ("GET", "/api/accounts/me/log?format=csv", null, Any),
        ("GET", "/api/accounts/{worker0}", null, "accountant,admin"),
        ("GET", "/api/accounts/{worker0}/log", null, "accountant,admin"),
        ("GET", "/api/accounts", null, "accountant,admin"),
        ("GET", "/api/accounting/today", null, "accountant,admin"),
        ("GET", "/api/accounting/days", null, "accountant,admin"),
        ("GET", "/api/accounting/days?format=csv", null, "accountant,admin"),
        ("GET", "/api/accounting/audit", null, "accountant,admin"),
        ("POST", "/api/accounting/close-day", "{}", "admin"),
        ("GET", "/api/analytics/summary", null, "admin"),
        ("GET", "/api/analytics/most-expensive?period=week", null, "admin"),
        ("GET", "/api/analytics/negative-balances", null, "admin"),
        ("GET", "/api/notifications", null, Any),
        ("GET", "/api/events", null, "admin"),
        ("GET", "/api/dead-letters", null, "admin"),
        ("POST", "/api/dead-letters/{missing}/retry", null, "admin"),
        ("DELETE", "/api/dead-letters/{missing}", null, "admin"),
        ("GET", "/api/live", null, Any),
        ("GET", "/api/cluster", null, "admin"),
        ("GET", "/dashboard/", null, "admin"),
        ("GET", "/dashboard/DashboardCounters", null, "admin"),
        ("GET", "/dashboard/ClusterStats", null, "admin"),
    ];

    public static TheoryData<int, string> Cases()
    {
        var data = new TheoryData<int, string>();
        for (var i = 0; i < Routes.Length; i++)
            foreach (var role in AtesApi.Roles.Append("anonymous")) data.Add(i, role);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_route_answers_each_role_as_the_contract_says(int route, string role)
    {
        var (method, template, body, who) = Routes[route];
        var client = await api.ClientAsync(role == "anonymous" ? null : role, newSession: template == "/api/auth/logout");
        var path = await FillAsync(template);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body is not null) request.Content = new StringContent(body.Replace("{n}", Guid.NewGuid().ToString("N")), Encoding.UTF8, "application/json");
        // Headers only: the live feed's body never ends.
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        response.Headers.Contains("X-Correlation-Id").ShouldBeTrue();
        var allowed = who == Any || who.Split(',').Contains(role);
        if (role == "anonymous") response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        else if (!allowed)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
            // The detail names who may: the same words on every route.
            if (!path.StartsWith("/dashboard", StringComparison.Ordinal))
                (await response.Content.ReadAsStringAsync()).ShouldContain(who.Contains(',') ? "Only these roles may do this: " + who.Replace(",", ", ") : $"Only the {who} role may do this.");
        }
        else if (template == "/api/accounting/close-day")
        {
            // Allowed, but this silo started today: yesterday lies before the first business day, so there is nothing to close.
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await response.Content.ReadAsStringAsync()).ShouldContain("there is nothing to close before that day");
        }
        else if (template == "/api/me/password")
        {
            // Allowed, and refused for the wrong current password (a right one would end the shared token's siblings).
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await response.Content.ReadAsStringAsync()).ShouldContain("The current password is wrong.");
        }
        else if (template.EndsWith("/complete", StringComparison.Ordinal))
        {
            // Every role may complete a task, their own: someone else's is refused by the task, not by the role.
            if (!response.IsSuccessStatusCode)
            {
                response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
                (await response.Content.ReadAsStringAsync()).ShouldContain("Only the task's assignee may complete it.");
            }
        }
        else if (template.Contains("{missing}", StringComparison.Ordinal))
        {
            // Allowed, and told there is no such dead letter.
            response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }
        else ((int)response.StatusCode).ShouldBeInRange(200, 299, response.IsSuccessStatusCode ? null : await response.Content.ReadAsStringAsync());
        if (!response.IsSuccessStatusCode) response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Fact]
    public async Task Metrics_are_prometheus_text_from_opentelemetry_with_orleans_aspnetcore_runtime_and_ates_series()
    {
        var manager = await api.ClientAsync("manager");
        (await manager.PostAsync("/api/tasks", new StringContent("""{"title":"Counted"}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        string text = "";
        // The subscription gauges are read every few seconds, and the request metrics of a scrape can trail it: wait for both.
        await api.UntilAsync(async () =>
        {
            var response = await (await api.ClientAsync(null)).GetAsync("/metrics");
            response.Content.Headers.ContentType!.ToString().ShouldStartWith("text/plain; version=0.0.4");
            text = await response.Content.ReadAsStringAsync();
            // The POST's own series, not any request's: its duration is recorded when the response has ended, which may be after we read it.
            return text.Contains("ates_subscription_lag{", StringComparison.Ordinal) && CreatedTasks.IsMatch(text);
        });
        text.ShouldMatch(@"ates_journal_appends_total\{[^}]*\} [1-9]");
        text.ShouldMatch(@"ates_subscription_lag\{[^}]*subscription=""billing""[^}]*\} \d");
        text.ShouldContain("ates_subscription_watermark_age_seconds{");
        text.ShouldContain("ates_dead_letters");
        text.ShouldMatch(@"orleans_catalog_activations\{[^}]*\} [1-9]");
        text.ShouldMatch(CreatedTasks.ToString());
        text.ShouldContain("dotnet_gc_collections_total");
    }

    private static readonly System.Text.RegularExpressions.Regex CreatedTasks =
        new(@"http_server_request_duration_seconds_count\{[^}]*http_request_method=""POST""[^}]*http_response_status_code=""201""[^}]*http_route=""/api/tasks/""[^}]*\} [1-9]");

    [Fact]
    public async Task The_cluster_view_lists_this_silo_and_each_subscriptions_queues_with_their_owner()
    {
        var cluster = await api.JsonAsync("admin", "/api/cluster");
        var silo = cluster.GetProperty("silos").EnumerateArray().Single();
        silo.GetProperty("status").GetString().ShouldBe("Active");
        var subscriptions = cluster.GetProperty("subscriptions").EnumerateArray().ToList();
        subscriptions.Select(s => s.GetProperty("name").GetString()).ShouldBe(["accounting", "analytics", "billing", "board", "notifications"]);
        foreach (var subscription in subscriptions)
        {
            subscription.GetProperty("partitions").GetArrayLength().ShouldBe(Ates.Journal.JournalPartitions.Count, "a queue per partition of the journal");
            subscription.GetProperty("watermark").GetDateTimeOffset().ShouldBeGreaterThan(DateTimeOffset.UtcNow.AddHours(-1));
        }
        // Every queue has checkpointed once the silo has read the journal, and names the silo that did.
        await api.UntilAsync(async () => (await api.JsonAsync("admin", "/api/cluster")).GetProperty("subscriptions").EnumerateArray()
            .SelectMany(s => s.GetProperty("partitions").EnumerateArray()).All(p => p.GetProperty("silo").GetString() == silo.GetProperty("address").GetString()));
    }

    [Fact]
    public async Task The_openapi_document_grants_each_route_exactly_the_access_the_table_says()
    {
        var document = await api.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var operations = document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(o => (Method: o.Name.ToUpperInvariant(), Path: path.Name, Operation: o.Value)))
            .ToList();
        var table = Routes.Where(r => r.Path.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        foreach (var (method, template, _, who) in table)
        {
            var found = operations.Where(o => o.Method == method && SamePath(template, o.Path)).ToList();
            // A route the table lists with a query string (…?format=csv) is the same operation.
            found.Count.ShouldBe(1, $"{method} {template} is in the access table but not in the document");
            var (operation, name) = (found[0].Operation, $"{method} {found[0].Path}");
            operation.GetProperty("security").GetArrayLength().ShouldBeGreaterThan(0, name + " needs a signed-in user");
            var responses = operation.GetProperty("responses");
            responses.TryGetProperty("401", out _).ShouldBeTrue(name + " lists 401");
            if (who == Any)
            {
                // A 403 here can only be the route's own refusal (someone else's task or account), never a role's.
                if (responses.TryGetProperty("403", out var refusal))
                    refusal.GetProperty("description").GetString()!.ShouldNotContain("role", Case.Insensitive, name + " is open to every role");
            }
            else if (template.StartsWith("/api/accounts/{", StringComparison.Ordinal))
            {
                // Another person's account: the roles that may, and anyone's own (the table's users ask about someone else's).
                responses.GetProperty("403").GetProperty("description").GetString().ShouldBe("Only accountants and admins see another person's account; anyone sees their own.", name);
            }
            else responses.GetProperty("403").GetProperty("description").GetString().ShouldStartWith(Roles.Allowed(who.Split(',')), Case.Sensitive, name);
        }
        // The other way round: every operation the document has is in the table, and only signing in is open to anyone.
        foreach (var (method, path, operation) in operations)
        {
            // Any change may also be refused as another site's (BrowserDefenses), signed in or not.
            if (method != "GET")
                operation.GetProperty("responses").GetProperty("403").GetProperty("description").GetString()!.ShouldEndWith(Ates.Client.Gateway.OpenApiResponses.AnotherSite, Case.Sensitive, $"{method} {path}");
            if (operation.GetProperty("security").GetArrayLength() == 0)
            {
                $"{method} {path}".ShouldBeOneOf("POST /api/auth/login", "POST /api/auth/token");
                operation.GetProperty("responses").TryGetProperty("401", out _).ShouldBeTrue();
                continue;
            }
            var rows = table.Where(r => r.Method == method && SamePath(r.Path, path)).ToList();
            rows.ShouldNotBeEmpty($"{method} {path} is in the document but not in the access table");
            rows.Select(r => r.Who).Distinct().Count().ShouldBe(1, $"the access table's rows for {method} {path} disagree on who may");
        }
    }

    /// <summary>"/api/users/{worker0}/role?x=1" and "/api/users/{id}/role" name the same route.</summary>
    private static bool SamePath(string template, string documentPath)
    {
        var mine = template.Split('?')[0].Split('/');
        var theirs = documentPath.Split('/');
        return mine.Length == theirs.Length && mine.Zip(theirs).All(p => p.First == p.Second || (p.First.StartsWith('{') && p.Second.StartsWith('{')));
    }

    private async Task<string> FillAsync(string template)
    {
        template = template.Replace("{missing}", Guid.NewGuid().ToString());
        if (template.Contains("{worker0}")) template = template.Replace("{worker0}", (await api.UserIdAsync("worker0@ates.local")).ToString());
        // Nobody in this class signs in as worker2, whose password the admin's reset changes.
        if (template.Contains("{worker2}")) template = template.Replace("{worker2}", (await api.UserIdAsync("worker2@ates.local")).ToString());
        if (template.Contains("{task}"))
        {
            var client = await api.ClientAsync("manager");
            var created = await client.PostAsync("/api/tasks", new StringContent("""{"title":"Readable task"}""", Encoding.UTF8, "application/json"));
            created.StatusCode.ShouldBe(HttpStatusCode.Created);
            template = template.Replace("{task}", created.Headers.Location!.ToString().Split('/')[^1]);
        }
        return template;
    }

    [Fact]
    public async Task A_signed_out_browser_opening_the_dashboard_is_sent_to_sign_in_with_the_way_back_and_a_script_gets_401()
    {
        var client = api.CreateClient(new() { AllowAutoRedirect = false });
        using var page = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        page.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");
        var response = await client.SendAsync(page);
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.OriginalString.ShouldBe("/?return=%2Fdashboard%2F");

        (await client.GetAsync("/dashboard/DashboardCounters")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_worker_opening_the_dashboard_in_a_browser_gets_a_page_in_words_with_the_way_back_still_403()
    {
        var worker = await api.ClientAsync("worker");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        request.Headers.Accept.ParseAdd("text/html,application/xhtml+xml");
        var response = await worker.SendAsync(request);

        response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var page = await response.Content.ReadAsStringAsync();
        page.ShouldContain("only for admins");
        page.ShouldContain("<a href=\"/\">Back to Ates</a>");
    }

    [Fact]
    public async Task The_dashboards_log_stream_is_hidden_even_from_admins()
    {
        var response = await (await api.ClientAsync("admin")).GetAsync("/dashboard/Trace");
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("/api/auth/login")]
    [InlineData("/api/auth/token")]
    public async Task Sign_in_routes_are_open_and_refuse_wrong_credentials_with_401(string path)
    {
        var client = await api.ClientAsync(null);
        var response = await client.PostAsync(path, new StringContent("""{"email":"admin@ates.local","password":"wrong"}""", Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    [InlineData("/openapi/v1.json")]
    [InlineData("/metrics")]
    public async Task Health_and_the_openapi_document_are_open(string path)
    {
        var response = await (await api.ClientAsync(null)).GetAsync(path);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
