using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace Ates.Cluster.Tests;

/// <summary>Stopping Ates while browsers hold live feeds open: the feeds end at once and the process exits cleanly.</summary>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task With_live_feeds_open_the_silo_stops_within_seconds_and_exits_0(string signal)
    {
        var data = Directory.CreateTempSubdirectory("ates-shutdown-").FullName;
        await using var silo = SiloProcess.Start(new Dictionary<string, string>
        {
            ["Ates__Storage"] = "Embedded",
            ["Ates__DataDirectory"] = data,
            // Each stage of the silo's stop in its log, so a stop that hangs shows where.
            ["Logging__LogLevel__Orleans.Runtime.SiloLifecycleSubject"] = "Debug",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        });
        await silo.WaitReadyAsync(TimeSpan.FromSeconds(90));
        var token = await (await silo.Http.PostAsJsonAsync("/api/auth/token", new { email = "admin@ates.local", password = "admin" })).Content.ReadFromJsonAsync<JsonElement>();
        var feeds = new List<(HttpClient Client, Stream Body)>();
        for (var i = 0; i < 3; i++)
        {
            var client = new HttpClient { BaseAddress = new Uri(silo.Url), Timeout = Timeout.InfiniteTimeSpan };
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.GetProperty("accessToken").GetString());
            var response = await client.GetAsync("/api/live", HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadAsStreamAsync();
            (await new StreamReader(body).ReadLineAsync())!.ShouldStartWith("id: "); // connected: the ready message
            feeds.Add((client, body));
        }

        var (elapsed, exitCode) = await silo.StopAsync(TimeSpan.FromSeconds(30), signal);
        output.WriteLine($"SIG{signal} with {feeds.Count} live feeds open: exited {exitCode} after {elapsed.TotalSeconds:F2} s; {silo.Logged.Errors} errors logged");
        // A silo that does not stop says where it stood: its last log lines.
        exitCode.ShouldBe(0, silo.LastLines());
        elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(5), silo.LastLines());
        silo.Logged.Errors.ShouldBe(0, string.Join("\n", silo.ErrorLines));
        foreach (var (client, body) in feeds)
        {
            // Each feed was ended by the server, not left hanging: reading it to the end returns.
            using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await body.CopyToAsync(Stream.Null, drain.Token);
            }
            catch (IOException)
            {
                // the connection closed: ended too
            }
            client.Dispose();
        }
    }
}
