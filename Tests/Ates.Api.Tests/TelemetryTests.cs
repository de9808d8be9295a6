using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Ates.Client.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using Xunit.Abstractions;

namespace Ates.Api.Tests;

/// <summary>Traces and the metrics endpoint's access, as an operator sees them (README "Operations").</summary>
public sealed class TelemetryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task One_trace_runs_from_the_http_request_through_the_grain_call_and_journal_append_to_billings_consumer_and_its_append()
    {
        var spans = new ExportedSpans();
        await using var api = new AtesApi();
        await using var traced = api.WithWebHostBuilder(b => b.ConfigureServices(services => services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(Telemetry.TraceSources).AddAspNetCoreInstrumentation().AddInMemoryExporter(spans))));
        var token = await (await traced.CreateClient().PostAsJsonAsync("/api/auth/token", new { email = "manager@ates.local", password = "manager" })).Content.ReadFromJsonAsync<JsonElement>();
        var manager = traced.CreateClient();
        manager.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());

        // Tracers listen process-wide and other tests run beside this one: this request starts a trace id of its own.
        var trace = ActivityTraceId.CreateRandom();
        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/tasks") { Content = new StringContent("""{"title":"Traced task"}""", Encoding.UTF8, "application/json") };
        post.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        var created = await (await manager.SendAsync(post)).Content.ReadFromJsonAsync<JsonElement>();
        var taskId = created.GetProperty("id").GetGuid();
        var assignee = created.GetProperty("assigneeId").GetGuid();

        Activity[] Snapshot() => spans.Snapshot();
        bool IsRequest(Activity s) => s.Kind == ActivityKind.Server && s.GetTagItem("http.route") as string == "/api/tasks/";
        bool IsLedgerAppend(Activity s) => s.OperationName == "journal append" && (s.GetTagItem("ates.stream") as string) == $"account/{assignee:N}";
        // A span is exported when it ends, on whichever thread ends it: the request's may end after its response reached
        // us, and billing's delivery ends after the ledger entry's append inside it. Wait for all three.
        await WaitAsync(() => Snapshot().Where(s => s.TraceId == trace).ToList() is var t
                              && t.Any(IsRequest) && t.Any(IsLedgerAppend) && t.Any(s => s.OperationName == "billing deliver"));

        var inTrace = Snapshot().Where(s => s.TraceId == trace).ToList();
        var request = inTrace.Single(IsRequest);
        foreach (var line in Tree(inTrace, request, 0)) output.WriteLine(line);
        var taskAppend = inTrace.Single(s => s.OperationName == "journal append" && (s.GetTagItem("ates.stream") as string) == $"task/{taskId:N}");
        var deliver = inTrace.First(s => s.OperationName == "billing deliver");
        var ledgerAppend = inTrace.Single(IsLedgerAppend);

        Ancestors(taskAppend, inTrace).ShouldContain(request, "the task's append is under the request");
        Ancestors(taskAppend, inTrace).ShouldContain(s => s.DisplayName.Contains("ITaskGrain", StringComparison.Ordinal) && s.DisplayName.Contains("Create", StringComparison.Ordinal), "and under the grain call");
        Ancestors(deliver, inTrace).ShouldContain(request, "billing's delivery continues the request's trace");
        deliver.Kind.ShouldBe(ActivityKind.Consumer);
        Ancestors(ledgerAppend, inTrace).ShouldContain(deliver, "the ledger entry is appended under billing's delivery");
    }

    [Fact]
    public async Task Metrics_can_be_kept_to_admins()
    {
        await using var api = new AtesApi();
        await using var closed = api.WithWebHostBuilder(b => b.UseSetting("Ates:Metrics:RequireAdmin", "true"));
        async Task<HttpStatusCode> ScrapeAsync(string? user)
        {
            var client = closed.CreateClient();
            if (user is not null)
            {
                var token = await (await closed.CreateClient().PostAsJsonAsync("/api/auth/token", new { email = $"{user}@ates.local", password = user })).Content.ReadFromJsonAsync<JsonElement>();
                client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
            }
            return (await client.GetAsync("/metrics")).StatusCode;
        }
        (await ScrapeAsync(null)).ShouldBe(HttpStatusCode.Unauthorized);
        (await ScrapeAsync("manager")).ShouldBe(HttpStatusCode.Forbidden);
        (await ScrapeAsync("admin")).ShouldBe(HttpStatusCode.OK);
    }

    private static List<Activity> Ancestors(Activity span, List<Activity> all)
    {
        var result = new List<Activity>();
        for (var parent = all.FirstOrDefault(s => s.SpanId == span.ParentSpanId); parent is not null; parent = all.FirstOrDefault(s => s.SpanId == parent.ParentSpanId))
            result.Add(parent);
        return result;
    }

    private static IEnumerable<string> Tree(List<Activity> all, Activity node, int depth)
    {
        yield return $"{new string(' ', depth * 2)}{node.DisplayName} [{node.Kind}] {node.Duration.TotalMilliseconds:F1} ms" +
                     (node.GetTagItem("ates.stream") is string stream ? $" stream={stream}" : "");
        foreach (var child in all.Where(s => s.ParentSpanId == node.SpanId).OrderBy(s => s.StartTimeUtc))
        foreach (var line in Tree(all, child, depth + 1))
            yield return line;
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            deadline.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(30), "the trace did not reach billing's delivery and append");
            await Task.Delay(20); // spans arrive from other threads as they end; nothing to await but their arrival
        }
    }
}

/// <summary>Spans as the in-memory exporter adds them (on whichever thread ends one), read while they arrive.</summary>
internal sealed class ExportedSpans : System.Collections.ObjectModel.Collection<Activity>
{
    private readonly Lock _sync = new();

    public Activity[] Snapshot()
    {
        lock (_sync) return [.. Items];
    }

    protected override void InsertItem(int index, Activity item)
    {
        lock (_sync) base.InsertItem(index, item);
    }

    protected override void ClearItems()
    {
        lock (_sync) base.ClearItems();
    }
}
