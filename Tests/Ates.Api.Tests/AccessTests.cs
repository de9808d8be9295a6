using System.Net;
using System.Text;

namespace Ates.Api.Tests;

/// <summary>Every route × every role and anonymous: exactly the access docs/api.md grants, never more.</summary>
public sealed class AccessTests(AtesApi api) : IClassFixture<AtesApi>
{
    private const string Any = "any";

    // (method, path template, JSON body, who may: "any" signed-in user, or a list of roles)
    public static readonly (string Method, string Path, string? Body, string Who)[] Routes =
    [
        ("GET", "/api/me", null, Any),
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
        var response = await client.SendAsync(request);

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
        else ((int)response.StatusCode).ShouldBeInRange(200, 299, await response.Content.ReadAsStringAsync());
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
            return text.Contains("ates_subscription_lag{", StringComparison.Ordinal) && text.Contains("http_server_request_duration_seconds_count{", StringComparison.Ordinal);
        });
        text.ShouldMatch(@"ates_journal_appends_total\{[^}]*\} [1-9]");
        text.ShouldMatch(@"ates_subscription_lag\{[^}]*subscription=""billing""[^}]*\} \d");
        text.ShouldContain("ates_subscription_watermark_age_seconds{");
        text.ShouldContain("ates_dead_letters");
        text.ShouldMatch(@"orleans_catalog_activations\{[^}]*\} [1-9]");
        text.ShouldMatch(@"http_server_request_duration_seconds_count\{[^}]*http_request_method=""POST""[^}]*http_response_status_code=""201""[^}]*http_route=""/api/tasks/""[^}]*\} [1-9]");
        text.ShouldContain("dotnet_gc_collections_total");
    }

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

    private async Task<string> FillAsync(string template)
    {
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
