using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Ates.Api.Tests;

public sealed class LiveFeedTests(AtesApi api) : IClassFixture<AtesApi>
{
    private sealed record Sse(string Type, JsonElement Data);

    /// <summary>Opens /api/live for the client and returns the events as they arrive.</summary>
    private static async Task<(ChannelReader<Sse> Events, HttpResponseMessage Response)> OpenAsync(HttpClient client, CancellationToken ct)
    {
        var response = await client.GetAsync("/api/live", HttpCompletionOption.ResponseHeadersRead, ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        var channel = Channel.CreateUnbounded<Sse>();
        _ = Task.Run(async () =>
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            string? type = null;
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) await channel.Writer.WriteAsync(new Sse(type ?? "message", JsonDocument.Parse(line[6..]).RootElement.Clone()), ct);
            }
        }, ct);
        return (channel.Reader, response);
    }

    [Fact]
    public async Task A_worker_sees_their_own_task_and_ledger_entry_live_and_no_one_elses()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var worker = await api.ClientAsync("worker"); // worker1
        var workerId = await api.UserIdAsync("worker1@ates.local");
        var (events, response) = await OpenAsync(worker, timeout.Token);
        using var _ = response;
        (await events.ReadAsync(timeout.Token)).Type.ShouldBe("ready");

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
                stream => (stream.StartsWith("task/") || stream == $"account/{workerId:N}" || stream == $"inbox/{workerId:N}").ShouldBeTrue($"worker1 must not see {stream}"));
            if (e.Type.StartsWith("task.", StringComparison.Ordinal)) data.GetProperty("assigneeId").GetGuid().ShouldBe(workerId);
            if (e.Type == "task.assigned" && data.GetProperty("taskId").GetGuid() == mine) seenAssigned = true;
            if (e.Type == "ledger.entry-recorded" && data.GetProperty("taskId").GetGuid() == mine) seenLedger = true;
        }
    }

    [Fact]
    public async Task The_live_feed_needs_a_signed_in_user()
    {
        var response = await (await api.ClientAsync(null)).GetAsync("/api/live", HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
