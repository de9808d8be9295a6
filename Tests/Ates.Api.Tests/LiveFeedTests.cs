using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Ates.Api.Tests;

public sealed class LiveFeedTests(AtesApi api) : IClassFixture<AtesApi>
{
    /// <summary>One SSE message: its id line, the type and words from its data, and the comment lines before it.</summary>
    private sealed record Sse(string? Id, string Type, string Text, JsonElement Data);

    /// <summary>Opens /api/live for the client (resuming after an id when given) and returns the messages and comments as they arrive.</summary>
    private static async Task<(ChannelReader<Sse> Events, ChannelReader<string> Comments, HttpResponseMessage Response)> OpenAsync(HttpClient client, CancellationToken ct, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/live");
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        var channel = Channel.CreateUnbounded<Sse>();
        var comments = Channel.CreateUnbounded<string>();
        _ = Task.Run(async () =>
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            string? id = null;
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.StartsWith(':')) await comments.Writer.WriteAsync(line, ct);
                else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    var data = JsonDocument.Parse(line[6..]).RootElement.Clone();
                    await channel.Writer.WriteAsync(new Sse(id, data.GetProperty("type").GetString()!, data.GetProperty("text").GetString()!, data), ct);
                }
            }
        }, ct);
        return (channel.Reader, comments.Reader, response);
    }

    [Fact]
    public async Task A_worker_sees_their_own_task_and_ledger_entry_live_and_no_one_elses()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var worker = await api.ClientAsync("worker"); // worker1
        var workerId = await api.UserIdAsync("worker1@ates.local");
        var (events, _, response) = await OpenAsync(worker, timeout.Token);
        using var _ = response;
        (await events.ReadAsync(timeout.Token)).Type.ShouldBe("live.ready");

        var manager = await api.ClientAsync("manager");
        Guid? mine = null;
        for (var i = 0; i < 60 && mine is null; i++)
        {
            var created = await (await manager.PostAsync("/api/tasks", new StringContent("""{"title":"Live task"}""", Encoding.UTF8, "application/json")))
                .Content.ReadFromJsonAsync<JsonElement>();
            if (created.GetProperty("assigneeId").GetGuid() == workerId) mine = created.GetProperty("id").GetGuid();
        }
        mine.ShouldNotBeNull("one of 60 tasks lands on worker1");

        var seenAssigned = false;
        var seenLedger = false;
        while (!(seenAssigned && seenLedger))
        {
            var e = await events.ReadAsync(timeout.Token);
            var data = e.Data.GetProperty("data");
            e.Data.GetProperty("streamId").GetString()!.ShouldSatisfyAllConditions(
                stream => (stream.StartsWith("task/") || stream == $"account/{workerId:N}").ShouldBeTrue($"worker1 must not see {stream}"));
            if (e.Type.StartsWith("task.", StringComparison.Ordinal)) data.GetProperty("assigneeId").GetGuid().ShouldBe(workerId);
            if (e.Type == "task.assigned" && data.GetProperty("taskId").GetGuid() == mine)
            {
                seenAssigned = true;
                e.Text.ShouldStartWith("Live task assigned to Worker 1, fee $");
            }
            if (e.Type == "ledger.entry-recorded" && data.GetProperty("taskId").GetGuid() == mine) seenLedger = true;
        }
    }

    [Fact]
    public async Task A_feed_that_reconnects_with_Last_Event_ID_first_gets_what_it_missed_in_words_then_the_live_events()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var admin = await api.ClientAsync("admin");
        var manager = await api.ClientAsync("manager");
        var (events, _, response) = await OpenAsync(admin, timeout.Token);
        var ready = await events.ReadAsync(timeout.Token);
        ready.Type.ShouldBe("live.ready");
        ready.Id.ShouldNotBeNull();
        response.Dispose(); // the connection drops

        // Meanwhile, two tasks are created.
        var missed = new List<Guid>();
        foreach (var title in new[] { "Missed while away one", "Missed while away two" })
            missed.Add((await (await manager.PostAsync("/api/tasks", new StringContent($$"""{"title":"{{title}}"}""", Encoding.UTF8, "application/json")))
                .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());

        var (resumed, _, again) = await OpenAsync(admin, timeout.Token, lastEventId: ready.Id);
        using var __ = again;
        (await resumed.ReadAsync(timeout.Token)).Type.ShouldBe("live.ready");
        var caughtUp = new List<Sse>();
        while (caughtUp.Count(e => e.Type == "task.created") < 2) caughtUp.Add(await resumed.ReadAsync(timeout.Token));
        caughtUp.Where(e => e.Type == "task.created").Select(e => e.Data.GetProperty("data").GetProperty("taskId").GetGuid()).ShouldBe(missed);
        caughtUp.Single(e => e.Type == "task.created" && e.Text.Contains("one")).Text.ShouldBe("Manager created Missed while away one");
        caughtUp.Select(e => e.Id).ShouldAllBe(id => id != null);
        caughtUp.Select(e => e.Id).Distinct().Count().ShouldBe(caughtUp.Count);

        // Then what happens now.
        var live = (await (await manager.PostAsync("/api/tasks", new StringContent("""{"title":"After the reconnect"}""", Encoding.UTF8, "application/json")))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Sse next;
        do next = await resumed.ReadAsync(timeout.Token);
        while (next.Type != "task.created");
        next.Data.GetProperty("data").GetProperty("taskId").GetGuid().ShouldBe(live);
    }

    [Fact]
    public async Task A_quiet_feed_gets_a_comment_line_every_keep_alive_period()
    {
        await using var quick = new AtesApi().WithWebHostBuilder(b => b.UseSetting("Ates:Live:KeepAlive", "00:00:00.5"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var token = await (await quick.CreateClient().PostAsJsonAsync("/api/auth/token", new { email = "worker0@ates.local", password = "worker0" })).Content.ReadFromJsonAsync<JsonElement>();
        var client = quick.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
        var (_, comments, response) = await OpenAsync(client, timeout.Token);
        using var _ = response;
        (await comments.ReadAsync(timeout.Token)).ShouldBe(": keep-alive");
        (await comments.ReadAsync(timeout.Token)).ShouldBe(": keep-alive");
    }

    [Fact]
    public async Task The_live_feed_needs_a_signed_in_user()
    {
        var response = await (await api.ClientAsync(null)).GetAsync("/api/live", HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
