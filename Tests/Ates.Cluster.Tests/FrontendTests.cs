using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Xunit.Abstractions;

namespace Ates.Cluster.Tests;

public sealed class FrontendTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_separate_frontend_serves_the_api_and_dashboard_and_keeps_serving_when_a_silo_it_talks_to_is_killed()
    {
        await using var ates = await PostgresCluster.StartAsync(silos: 2);
        var frontend = await ates.StartFrontendAsync();

        // The same people, signed in anywhere: a token from the frontend works on a silo and the other way round.
        var manager = await ates.ClientAsync("manager", frontend);
        var first = await manager.CreateTaskAsync("through the frontend");
        (await (await ates.ClientAsync("manager", ates.Silos[1])).GetTaskAsync(first.Id)).Title.ShouldBe("through the frontend");
        using var silosToken = new HttpClient { BaseAddress = new Uri(ates.Silos[0].Url) };
        var worker = new AtesClient(silosToken);
        await worker.SignInAsync("worker1@ates.local", "worker1");
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"{frontend.Url}/api/me"))
        {
            request.Headers.Authorization = silosToken.DefaultRequestHeaders.Authorization;
            (await frontend.Http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        // The operator's views answer through it too.
        var admin = await ates.ClientAsync("admin", frontend);
        var cluster = await admin.Http.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/cluster");
        cluster.GetProperty("silos").EnumerateArray().Count(s => s.GetProperty("status").GetString() == "Active").ShouldBe(2);
        (await admin.Http.GetAsync("/dashboard/")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await manager.Http.GetAsync("/dashboard/")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await frontend.Http.GetAsync("/")).StatusCode.ShouldBe(HttpStatusCode.OK); // the web client

        var created = new List<Guid> { first.Id };
        for (var i = 0; i < 20; i++) created.Add((await manager.CreateTaskAsync($"before {i}")).Id);
        ates.Silos[0].Kill();
        var killed = Stopwatch.StartNew();
        // Three users keep creating at once, as they would. A request in flight to the killed silo ends only by the
        // frontend's call timeout (the gateway that forwarded it does not track it): within 2 s, a 503 with Retry-After.
        // Each user retries a failed creation with its Idempotency-Key, as AtesClient's callers and the web client do.
        var gate = new object();
        TimeSpan? firstSuccess = null;
        var failed = 0;
        var retriedToOne = 0;
        var longestFailure = TimeSpan.Zero;
        async Task UserAsync(int user)
        {
            for (var n = 0; ; n++)
            {
                lock (gate) if (created.Count >= 80) return;
                var key = $"user-{user}-{n}-{Guid.NewGuid():N}";
                var attempts = 0;
                while (true)
                {
                    var began = killed.Elapsed;
                    attempts++;
                    try
                    {
                        var task = await manager.CreateTaskAsync($"after, user {user}, #{n}", idempotencyKey: key);
                        lock (gate)
                        {
                            created.Add(task.Id);
                            firstSuccess ??= killed.Elapsed;
                            if (attempts > 1) retriedToOne++;
                        }
                        break;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException)
                    {
                        // in flight through the killed silo's gateway, or waiting on one of its grains
                        lock (gate) { failed++; if (killed.Elapsed - began > longestFailure) longestFailure = killed.Elapsed - began; }
                    }
                    killed.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(90), "the frontend stopped serving");
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 3).Select(UserAsync));
        await ates.SettledAsync(TimeSpan.FromSeconds(60));
        foreach (var id in created) await manager.GetTaskAsync(id);
        var report = await ates.InvariantsAsync();
        output.WriteLine($"frontend ready in {frontend.SinceStart.TotalSeconds:F1} s; after SIGKILL of a silo: first task created through the frontend " +
                         $"{firstSuccess!.Value.TotalSeconds:F2} s later, {failed} requests failed (the longest answered after {longestFailure.TotalSeconds:F2} s), {retriedToOne} creations retried with their key to one task, " +
                         $"{created.Count} tasks acknowledged and all there; " +
                         $"frontend logged {frontend.Logged.Warnings} warnings, {frontend.Logged.Errors} errors; journal: {report}");
        foreach (var line in frontend.ErrorLines) output.WriteLine(line);
        report.Holds.ShouldBeTrue(report.ToString());
        var audit = await ates.AuditAsync(ates.Running.First());
        output.WriteLine(PostgresCluster.Describe(audit));
        (audit.Ok, audit.Pending).ShouldBe((true, 0L), PostgresCluster.Describe(audit));
        firstSuccess.Value.ShouldBeLessThan(TimeSpan.FromSeconds(5));
        longestFailure.ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(2), "a request in flight when the silo died answers within 2 s");
        // Retried with their keys, no creation made a second task: one task.created per acknowledged task.
        created.Distinct().Count().ShouldBe(created.Count);
        report.Assignments.ShouldBe(created.Count, "one task (and one fee) per creation, whatever was retried");
        frontend.HasExited.ShouldBeFalse();
    }

    [Fact]
    public async Task A_separate_frontend_without_a_PostgreSQL_cluster_to_join_refuses_to_start_and_says_why()
    {
        await using var frontend = SiloProcess.Start(new Dictionary<string, string> { ["Ates__Storage"] = "Embedded" }, assembly: "Ates.Client.dll");
        var refused = await Should.ThrowAsync<InvalidOperationException>(() => frontend.WaitReadyAsync(TimeSpan.FromSeconds(60)));
        refused.Message.ShouldContain("The separate frontend needs Ates:Storage=Postgres");
    }
}
