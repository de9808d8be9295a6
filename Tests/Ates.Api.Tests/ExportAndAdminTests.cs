using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ates.Api.Tests;

/// <summary>What the new screens stand on (issue 18): sorting and counts, CSV exports, an admin's corrections and resets.</summary>
public sealed class ExportAndAdminTests(AtesApi api) : IClassFixture<AtesApi>
{
    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task The_task_list_says_how_many_match_and_sorts_by_fee_or_reward()
    {
        var manager = await api.ClientAsync("manager");
        var word = "count" + Guid.NewGuid().ToString("N")[..6];
        for (var i = 0; i < 7; i++) (await manager.PostAsync("/api/tasks", Json($$"""{"title":"{{word}} {{i}}"}"""))).EnsureSuccessStatusCode();

        var page = await manager.GetFromJsonAsync<JsonElement>($"/api/tasks?q={word}&limit=3&sort=reward");
        page.GetProperty("total").GetInt64().ShouldBe(7);
        page.GetProperty("items").GetArrayLength().ShouldBe(3);
        var rewards = page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("reward").GetDecimal()).ToList();
        rewards.ShouldBe(rewards.OrderDescending());
        var next = await manager.GetFromJsonAsync<JsonElement>($"/api/tasks?q={word}&limit=3&sort=reward&after={page.GetProperty("next").GetString()}");
        next.GetProperty("items").EnumerateArray().First().GetProperty("reward").GetDecimal().ShouldBeLessThanOrEqualTo(rewards[^1]);

        var wrong = await manager.GetAsync("/api/tasks?sort=price");
        wrong.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await wrong.Content.ReadAsStringAsync()).ShouldContain("The sort is newest, fee or reward.");
    }

    [Fact]
    public async Task Days_and_a_log_download_as_csv_with_formulas_escaped()
    {
        var manager = await api.ClientAsync("manager");
        (await manager.PostAsync("/api/tasks", Json("""{"title":"=HYPERLINK(\"http://evil\",\"x\")"}"""))).EnsureSuccessStatusCode();
        var accountant = await api.ClientAsync("accountant");
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");

        var days = await accountant.GetAsync($"/api/accounting/days?from={today}&to={today}&format=csv");
        days.StatusCode.ShouldBe(HttpStatusCode.OK);
        days.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        days.Content.Headers.ContentDisposition!.FileName!.Trim('"').ShouldBe($"ates-days-{today}-to-{today}.csv");
        var lines = (await days.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("date,assignFees,rewards,managementEarnings,payouts,closed");
        lines[1].ShouldStartWith($"{today},");
        lines[1].ShouldEndWith(",false");

        // The fee lands on someone's log; whoever it is, the accountant can download it and the title is text, not a formula.
        await api.UntilAsync(async () =>
        {
            foreach (var account in (await accountant.GetFromJsonAsync<JsonElement>("/api/accounts")).EnumerateArray())
            {
                var csv = await accountant.GetStringAsync($"/api/accounts/{account.GetProperty("userId").GetGuid()}/log?format=csv");
                if (!csv.Contains("HYPERLINK", StringComparison.Ordinal)) continue;
                csv.Split("\r\n")[0].ShouldBe("id,at,kind,amount,balanceAfter,taskId,description");
                csv.ShouldNotContain(",=HYPERLINK");
                csv.ShouldNotContain(",\"=HYPERLINK");
                return true;
            }
            return false;
        });

        var worker = await api.ClientAsync("worker");
        var mine = await worker.GetAsync("/api/accounts/me/log?format=csv");
        mine.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var refused = await worker.GetAsync("/api/accounts/me/log?format=xlsx");
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("The format is json or csv.");
        (await worker.GetAsync($"/api/accounting/days?format=csv")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_admin_edits_a_user_and_resets_a_password_that_ends_their_sessions()
    {
        var admin = await api.ClientAsync("admin");
        var email = $"{Guid.NewGuid():N}@ates.test";
        var created = await (await admin.PostAsJsonAsync("/api/users", new { email, name = "Temp Worker", role = "worker", password = "longenough" }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var id = created.GetProperty("id").GetGuid();
        var token = (await (await api.CreateClient().PostAsJsonAsync("/api/auth/token", new { email, password = "longenough" }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accessToken").GetString();
        var user = api.CreateClient();
        user.DefaultRequestHeaders.Authorization = new("Bearer", token);
        (await user.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var edited = await admin.PatchAsJsonAsync($"/api/users/{id}", new { name = "Renamed Worker" });
        edited.StatusCode.ShouldBe(HttpStatusCode.OK);
        var body = await edited.Content.ReadFromJsonAsync<JsonElement>();
        (body.GetProperty("name").GetString(), body.GetProperty("email").GetString()).ShouldBe(("Renamed Worker", email));
        (await admin.PatchAsJsonAsync($"/api/users/{id}", new { email = "admin@ates.local" })).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var invalid = await admin.PatchAsJsonAsync($"/api/users/{id}", new { name = "", email = "nope" });
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        errors.EnumerateObject().Select(e => e.Name).Order().ShouldBe(["email", "name"]);
        (await admin.PatchAsJsonAsync($"/api/users/{Guid.NewGuid()}", new { name = "Nobody" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await (await api.ClientAsync("manager")).PatchAsJsonAsync($"/api/users/{id}", new { name = "x" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var reset = await admin.PostAsync($"/api/users/{id}/password-reset", null);
        reset.StatusCode.ShouldBe(HttpStatusCode.OK);
        var temporary = (await reset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("temporaryPassword").GetString()!;
        temporary.Length.ShouldBe(16);
        (await user.GetAsync("/api/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "a reset ends every session of the user");
        (await api.CreateClient().PostAsJsonAsync("/api/auth/token", new { email, password = "longenough" })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await api.CreateClient().PostAsJsonAsync("/api/auth/token", new { email, password = temporary })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.PostAsync($"/api/users/{Guid.NewGuid()}/password-reset", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await (await api.ClientAsync("accountant")).PostAsync($"/api/users/{id}/password-reset", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_overview_gets_the_people_below_zero_per_day_from_the_server()
    {
        var admin = await api.ClientAsync("admin");
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        var counts = await admin.GetFromJsonAsync<JsonElement>($"/api/analytics/negative-balances?from={today}&to={today}");
        var day = counts.EnumerateArray().Single();
        day.GetProperty("date").GetString().ShouldBe(today);
        var summary = await admin.GetFromJsonAsync<JsonElement>("/api/analytics/summary");
        day.GetProperty("people").GetInt32().ShouldBe(summary.GetProperty("negativeBalances").GetInt32());
        (await admin.GetAsync($"/api/analytics/negative-balances?from={today}&to=2020-01-01")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await (await api.ClientAsync("accountant")).GetAsync("/api/analytics/negative-balances")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
