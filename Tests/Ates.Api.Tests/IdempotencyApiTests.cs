using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Ates.Api.Tests;

/// <summary>POST /api/tasks with an Idempotency-Key (docs/api.md): a retry never makes a second task.</summary>
public sealed class IdempotencyApiTests(AtesApi api) : IClassFixture<AtesApi>
{
    private async Task<HttpResponseMessage> PostAsync(HttpClient client, string body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_repeat_with_the_same_key_answers_201_with_the_first_task_and_another_body_gets_422()
    {
        var manager = await api.ClientAsync("manager");
        var key = $"retry-{Guid.NewGuid():N}";
        const string body = """{"title":"Retried until it answers","jiraId":"UBERPOP-77"}""";

        var first = await PostAsync(manager, body, key);
        var again = await PostAsync(manager, body, key);

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        again.StatusCode.ShouldBe(HttpStatusCode.Created);
        var task = await first.Content.ReadFromJsonAsync<JsonElement>();
        var repeat = await again.Content.ReadFromJsonAsync<JsonElement>();
        repeat.GetProperty("id").GetGuid().ShouldBe(task.GetProperty("id").GetGuid());
        repeat.GetProperty("assignFee").GetDecimal().ShouldBe(task.GetProperty("assignFee").GetDecimal());
        again.Headers.Location.ShouldBe(first.Headers.Location);
        var titled = await api.JsonAsync("manager", "/api/tasks?q=Retried%20until%20it%20answers&limit=100");
        titled.GetProperty("items").EnumerateArray().Count(t => t.GetProperty("id").GetGuid() == task.GetProperty("id").GetGuid()).ShouldBe(1);

        var other = await PostAsync(manager, """{"title":"Something else entirely"}""", key);
        other.StatusCode.ShouldBe((HttpStatusCode)422);
        other.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await other.Content.ReadAsStringAsync()).ShouldContain("Idempotency-Key already created the task");

        // Another user's key of the same text is another task.
        var worker = await api.ClientAsync("worker");
        var theirs = await PostAsync(worker, body, key);
        theirs.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await theirs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid().ShouldNotBe(task.GetProperty("id").GetGuid());
    }

    [Theory]
    [InlineData("a\tkey")]
    [InlineData("x")] // replaced by 101 characters below
    public async Task A_key_with_a_control_character_or_longer_than_100_characters_is_refused_with_400_and_creates_nothing(string key)
    {
        if (key == "x") key = new string('k', 101);
        var manager = await api.ClientAsync("manager");
        var title = $"Never created {Guid.NewGuid():N}";

        var response = await PostAsync(manager, $$"""{"title":"{{title}}"}""", key);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("Idempotency-Key is 1 to 100 printable characters");
        var found = await api.JsonAsync("manager", $"/api/tasks?q={Uri.EscapeDataString(title)}");
        found.GetProperty("items").GetArrayLength().ShouldBe(0);
    }
}
