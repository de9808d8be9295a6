using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Ates.Api.Tests;

/// <summary>Names on everything, sessions that really end, passwords and disabled users, strict bodies (issue 12).</summary>
public sealed class PeopleAndSessionTests(AtesApi api) : IClassFixture<AtesApi>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<string> TokenAsync(string email, string password)
    {
        var response = await api.CreateClient().PostAsJsonAsync("/api/auth/token", new { email, password });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString()!;
    }

    private HttpClient With(string token)
    {
        var client = api.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private async Task<JsonElement> NewUserAsync(string name, string role = "worker", string password = "longenough")
    {
        var admin = await api.ClientAsync("admin");
        var response = await admin.PostAsJsonAsync("/api/users", new { email = $"{Guid.NewGuid():N}@ates.test", name, role, password });
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Tasks_and_accounts_carry_names_and_everyone_may_read_the_directory_of_people()
    {
        var worker = await api.ClientAsync("worker");
        var people = await worker.GetFromJsonAsync<JsonElement>("/api/people");
        var names = people.EnumerateArray().ToDictionary(p => p.GetProperty("id").GetGuid(), p => p.GetProperty("name").GetString());
        names.Values.ShouldContain("Worker 0");
        names.Values.ShouldContain("Manager");
        names.Values.Distinct().Count().ShouldBe(names.Count, "every demo user has a name of their own");
        people.EnumerateArray().First().TryGetProperty("email", out _).ShouldBeFalse("the directory shows names and roles, not emails");

        var manager = await api.ClientAsync("manager");
        var created = await (await manager.PostAsync("/api/tasks", Json("""{"title":"Name the assignee"}"""))).Content.ReadFromJsonAsync<JsonElement>();
        created.GetProperty("assigneeName").GetString().ShouldBe(names[created.GetProperty("assigneeId").GetGuid()]);
        var listed = await manager.GetFromJsonAsync<JsonElement>("/api/tasks?limit=5");
        listed.GetProperty("items").EnumerateArray().ShouldAllBe(t => t.GetProperty("assigneeName").GetString() == names[t.GetProperty("assigneeId").GetGuid()]);

        var accounts = await (await api.ClientAsync("accountant")).GetFromJsonAsync<JsonElement>("/api/accounts");
        foreach (var account in accounts.EnumerateArray())
        {
            account.GetProperty("name").GetString().ShouldBe(names[account.GetProperty("userId").GetGuid()]);
            account.GetProperty("role").GetString().ShouldNotBeNullOrEmpty();
        }
        (await worker.GetFromJsonAsync<JsonElement>("/api/accounts/me")).GetProperty("name").GetString().ShouldBe("Worker 1");
    }

    [Fact]
    public async Task Logout_ends_that_session_on_the_server_and_the_token_response_has_nothing_else()
    {
        var response = await api.CreateClient().PostAsJsonAsync("/api/auth/token", new { email = "manager@ates.local", password = "manager" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.EnumerateObject().Select(p => p.Name).Order().ShouldBe(["accessToken", "expiresIn", "tokenType"]);
        var first = With(body.GetProperty("accessToken").GetString()!);
        var second = With(await TokenAsync("manager@ates.local", "manager"));

        (await first.PostAsync("/api/auth/logout", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await first.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await second.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "only the session that signed out ends");

        // A copy of the cookie kept from before the logout is refused too: the session is gone, not just the cookie.
        var browser = api.CreateClient(new() { HandleCookies = false });
        var login = await browser.PostAsync("/api/auth/login", Json("""{"email":"accountant@ates.local","password":"accountant"}"""));
        var cookie = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ates.auth=", StringComparison.Ordinal)).Split(';')[0];
        async Task<HttpStatusCode> WithCookieAsync(HttpMethod method, string path)
        {
            using var request = new HttpRequestMessage(method, path);
            request.Headers.Add("Cookie", cookie);
            return (await browser.SendAsync(request)).StatusCode;
        }
        (await WithCookieAsync(HttpMethod.Get, "/api/me")).ShouldBe(HttpStatusCode.OK);
        (await WithCookieAsync(HttpMethod.Post, "/api/auth/logout")).ShouldBe(HttpStatusCode.NoContent);
        (await WithCookieAsync(HttpMethod.Get, "/api/me")).ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Changing_the_password_ends_every_other_session_and_the_old_password()
    {
        var user = await NewUserAsync("Pat Password", role: "manager"); // never assigned: other tests here complete tasks as their assignee
        var email = user.GetProperty("email").GetString()!;
        var changer = With(await TokenAsync(email, "longenough"));
        var other = With(await TokenAsync(email, "longenough"));

        var wrong = await changer.PostAsync("/api/me/password", Json("""{"currentPassword":"not-it","newPassword":"brand-new-secret"}"""));
        wrong.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("currentPassword")[0].GetString().ShouldBe("The current password is wrong.");
        var tooShort = await changer.PostAsync("/api/me/password", Json("""{"currentPassword":"longenough","newPassword":"short"}"""));
        (await tooShort.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("newPassword", out _).ShouldBeTrue();
        (await other.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "a refused change ends nothing");

        (await changer.PostAsync("/api/me/password", Json("""{"currentPassword":"longenough","newPassword":"brand-new-secret"}"""))).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await changer.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "the session that changed it goes on");
        (await other.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.CreateClient().PostAsJsonAsync("/api/auth/token", new { email, password = "longenough" })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        await TokenAsync(email, "brand-new-secret");
    }

    [Fact]
    public async Task A_disabled_user_cannot_sign_in_loses_every_session_disappears_from_the_directory_and_gets_no_new_tasks()
    {
        var user = await NewUserAsync("Dora Disabled");
        var id = user.GetProperty("id").GetGuid();
        var email = user.GetProperty("email").GetString()!;
        var session = With(await TokenAsync(email, "longenough"));
        var admin = await api.ClientAsync("admin");

        var disabled = await admin.PutAsync($"/api/users/{id}/disabled", Json("""{"disabled":true}"""));
        disabled.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await disabled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("disabled").GetBoolean().ShouldBeTrue();
        (await session.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.CreateClient().PostAsJsonAsync("/api/auth/token", new { email, password = "longenough" })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await admin.GetFromJsonAsync<JsonElement>("/api/people")).EnumerateArray().ShouldNotContain(p => p.GetProperty("id").GetGuid() == id);
        (await admin.GetFromJsonAsync<JsonElement>("/api/users")).EnumerateArray().Single(u => u.GetProperty("id").GetGuid() == id).GetProperty("disabled").GetBoolean().ShouldBeTrue();

        var manager = await api.ClientAsync("manager");
        for (var i = 0; i < 25; i++)
        {
            var task = await (await manager.PostAsync("/api/tasks", Json($$"""{"title":"After Dora left {{i}}"}"""))).Content.ReadFromJsonAsync<JsonElement>();
            task.GetProperty("assigneeId").GetGuid().ShouldNotBe(id);
        }

        var me = await admin.GetFromJsonAsync<JsonElement>("/api/me");
        var self = await admin.PutAsync($"/api/users/{me.GetProperty("id").GetGuid()}/disabled", Json("""{"disabled":true}"""));
        self.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await admin.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await admin.PutAsync($"/api/users/{id}/disabled", Json("""{"disabled":false}"""))).StatusCode.ShouldBe(HttpStatusCode.OK);
        await TokenAsync(email, "longenough");
    }

    [Fact]
    public async Task Tasks_can_be_searched_by_words_in_the_title_or_jira_id_and_show_their_history()
    {
        var manager = await api.ClientAsync("manager");
        var zebra = await (await manager.PostAsync("/api/tasks", Json("""{"title":"Paint the zebra crossing","jiraId":"ZEB-7"}"""))).Content.ReadFromJsonAsync<JsonElement>();
        await manager.PostAsync("/api/tasks", Json("""{"title":"Paint the fence"}"""));
        async Task<List<string?>> TitlesAsync(string q) =>
            (await manager.GetFromJsonAsync<JsonElement>($"/api/tasks?q={Uri.EscapeDataString(q)}")).GetProperty("items").EnumerateArray().Select(t => t.GetProperty("title").GetString()).ToList();
        (await TitlesAsync("ZEBRA")).ShouldBe(["Paint the zebra crossing"]);
        (await TitlesAsync("zeb-7")).ShouldBe(["Paint the zebra crossing"]);
        (await TitlesAsync("paint crossing")).ShouldBe(["Paint the zebra crossing"]);
        (await TitlesAsync("zebra fence")).ShouldBeEmpty();

        var id = zebra.GetProperty("id").GetGuid();
        var assignee = zebra.GetProperty("assigneeId").GetGuid();
        var workerEmail = (await (await api.ClientAsync("admin")).GetFromJsonAsync<JsonElement>("/api/users")).EnumerateArray()
            .Single(u => u.GetProperty("id").GetGuid() == assignee).GetProperty("email").GetString()!;
        // Demo users' passwords are their names; the users this class creates use "longenough".
        var worker = With(await TokenAsync(workerEmail, workerEmail.EndsWith("@ates.local", StringComparison.Ordinal) ? workerEmail.Split('@')[0] : "longenough"));
        (await worker.PostAsync($"/api/tasks/{id}/complete", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var history = (await manager.GetFromJsonAsync<JsonElement>($"/api/tasks/{id}/history")).EnumerateArray().ToList();
        history.Select(h => h.GetProperty("kind").GetString()).ShouldBe(["created", "assigned", "completed"]);
        history.ShouldAllBe(h => h.GetProperty("assigneeId").GetGuid() == assignee && h.GetProperty("assigneeName").GetString() == zebra.GetProperty("assigneeName").GetString());
        history[1].GetProperty("fee").GetDecimal().ShouldBe(zebra.GetProperty("assignFee").GetDecimal());
        history[2].GetProperty("reward").GetDecimal().ShouldBe(zebra.GetProperty("reward").GetDecimal());
        (await manager.GetAsync($"/api/tasks/{Guid.NewGuid()}/history")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Bodies_are_strict_and_name_the_field_that_is_wrong_in_plain_words()
    {
        var manager = await api.ClientAsync("manager");
        async Task<JsonElement> ProblemAsync(string method, string path, string? body)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (body is not null) request.Content = Json(body);
            var response = await manager.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }
        (await ProblemAsync("POST", "/api/tasks", """{"title":"Fine","colour":"red"}""")).GetProperty("errors").GetProperty("colour")[0].GetString()
            .ShouldBe("colour is not a field of this request; remove it.");
        (await ProblemAsync("POST", "/api/tasks", """{"title":42}""")).GetProperty("errors").GetProperty("title")[0].GetString().ShouldBe("title must be text.");
        (await ProblemAsync("POST", "/api/tasks", null)).GetProperty("detail").GetString().ShouldBe("A JSON body is required.");
        (await ProblemAsync("GET", "/api/tasks?limit=many", null)).GetProperty("errors").GetProperty("limit")[0].GetString().ShouldBe("limit must be a whole number; \"many\" is not.");
        (await ProblemAsync("GET", "/api/accounts/me/log?from=2026-02-01&to=2026-01-01", null)).GetProperty("errors").TryGetProperty("to", out _).ShouldBeTrue();
        (await ProblemAsync("GET", "/api/tasks?q=" + new string('x', 201), null)).GetProperty("errors").TryGetProperty("q", out _).ShouldBeTrue();
        // A number too big is answered with the allowed range, not "not a number".
        (await ProblemAsync("GET", "/api/tasks?limit=100000000000", null)).GetProperty("errors").GetProperty("limit")[0].GetString().ShouldBe("The limit is between 1 and 500.");
        // A day that does not exist is "not a date", not "the wrong type".
        var admin = await api.ClientAsync("admin");
        var closing = await admin.PostAsync("/api/accounting/close-day", Json("""{"date":"2026-02-30"}"""));
        closing.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var notADate = await closing.Content.ReadFromJsonAsync<JsonElement>();
        notADate.GetProperty("detail").GetString().ShouldBe("date is not a date (YYYY-MM-DD).");
        notADate.GetProperty("errors").GetProperty("date")[0].GetString().ShouldBe("date must be a date (YYYY-MM-DD), a day that exists.");
    }

    [Fact]
    public async Task A_new_user_with_several_wrong_fields_is_told_about_every_one_in_one_answer()
    {
        var admin = await api.ClientAsync("admin");
        var response = await admin.PostAsync("/api/users", Json("""{"email":"not an email","name":"","role":"boss","password":"short"}"""));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        errors.EnumerateObject().Select(e => e.Name).ShouldBe(["email", "name", "role", "password"], ignoreOrder: true);
        errors.GetProperty("password").GetArrayLength().ShouldBe(1, "said once");
    }

    [Fact]
    public async Task A_garbage_token_and_a_form_body_are_answered_in_words()
    {
        var garbage = api.CreateClient();
        garbage.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "garbage");
        var refused = await garbage.GetAsync("/api/me");
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        refused.Headers.WwwAuthenticate.ToString().ShouldStartWith("Bearer");
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await refused.Content.ReadAsStringAsync()).ShouldContain("missing, expired or not valid");

        var manager = await api.ClientAsync("manager");
        var form = await manager.PostAsync("/api/tasks", new FormUrlEncodedContent([new("title", "x")]));
        form.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await form.Content.ReadAsStringAsync()).ShouldContain("Send it as JSON, with Content-Type: application/json.");
    }

    [Fact]
    public async Task The_web_client_has_an_icon()
    {
        var icon = await api.CreateClient().GetAsync("/favicon.ico");
        icon.StatusCode.ShouldBe(HttpStatusCode.OK);
        icon.Content.Headers.ContentType!.MediaType.ShouldBe("image/x-icon");
        (await icon.Content.ReadAsByteArrayAsync())[..4].ShouldBe(new byte[] { 0, 0, 1, 0 }, "an icon file's header");
    }

    [Fact]
    public async Task The_docs_page_and_the_openapi_document_describe_what_the_routes_do()
    {
        var client = api.CreateClient();
        var docs = await client.GetAsync("/docs");
        docs.StatusCode.ShouldBe(HttpStatusCode.OK);
        docs.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var openApi = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var create = openApi.GetProperty("paths").GetProperty("/api/tasks").GetProperty("post");
        create.GetProperty("responses").TryGetProperty("200", out _).ShouldBeFalse();
        create.GetProperty("responses").GetProperty("201").GetProperty("content").GetProperty("application/json").GetProperty("schema").ValueKind.ShouldBe(JsonValueKind.Object);
        create.GetProperty("responses").TryGetProperty("401", out _).ShouldBeTrue();
        create.GetProperty("security").GetArrayLength().ShouldBeGreaterThan(0);
        openApi.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("scheme").GetString().ShouldBe("bearer");
        // Signing in needs no credentials, and says so: an empty list, not a missing one.
        openApi.GetProperty("paths").GetProperty("/api/auth/token").GetProperty("post").GetProperty("security").GetArrayLength().ShouldBe(0);
    }
}

/// <summary>Over a real socket: what a client that writes its whole body before reading (Python's urllib) receives.</summary>
public sealed class OversizedBodyTests
{
    [Fact]
    public async Task A_five_megabyte_body_written_whole_before_reading_gets_a_413_problem_not_a_reset_connection()
    {
        await using var api = new AtesApi();
        api.UseKestrel(0);
        api.StartServer();
        var address = new Uri(api.ClientOptions.BaseAddress.ToString());
        var token = (await api.ClientAsync("manager")).DefaultRequestHeaders.Authorization!.Parameter!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        await using var stream = tcp.GetStream();
        var body = Encoding.UTF8.GetBytes("{\"title\":\"" + new string('x', 5 * 1024 * 1024) + "\"}");
        var head = $"POST /api/tasks HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body); // all of it, before reading anything: this is where a reset would throw
        var answer = new StringBuilder();
        var buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
            if (answer.ToString().Contains("}", StringComparison.Ordinal)) break;
        }
        var text = answer.ToString();
        text.ShouldStartWith("HTTP/1.1 413");
        text.ShouldContain("application/problem+json");
        text.ShouldContain("A request body is at most 64 KB");
    }
}
