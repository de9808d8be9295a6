using System.Net;
using System.Net.Http.Json;
using Xunit.Abstractions;

namespace Ates.Cluster.Tests;

public sealed class MembershipTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Two_then_three_silo_processes_on_one_database_are_active_members_and_a_user_created_through_one_signs_in_through_another()
    {
        await using var ates = await PostgresCluster.StartAsync(silos: 2);
        var status = await ates.StatusAsync(ates.Silos[1]);
        var silos = status.GetProperty("silos").EnumerateArray().ToList();
        silos.Count(s => s.GetProperty("status").GetString() == "Active").ShouldBe(2);

        await ates.AddSilosAsync(1);
        foreach (var silo in ates.Silos)
        {
            var seen = (await ates.StatusAsync(silo)).GetProperty("silos").EnumerateArray()
                .Where(s => s.GetProperty("status").GetString() == "Active").Select(s => s.GetProperty("address").GetString()!).ToList();
            seen.Count.ShouldBe(3);
            foreach (var each in ates.Silos) seen.ShouldContain(a => a.StartsWith(ates.AddressOf(each), StringComparison.Ordinal));
        }
        // Every subscription's queues are spread over the members (4 queues each, on at least two silos).
        var owners = (await ates.StatusAsync(ates.Silos[0])).GetProperty("subscriptions").EnumerateArray()
            .SelectMany(s => s.GetProperty("partitions").EnumerateArray()).Select(p => p.GetProperty("silo").GetString()).Distinct().Count();
        output.WriteLine($"stream queues owned by {owners} silos");

        var admin = await ates.ClientAsync("admin", ates.Silos[0]);
        var created = await admin.CreateUserAsync("newcomer@example.com", "Newcomer", "worker", "a long password");
        using var elsewhere = new HttpClient { BaseAddress = new Uri(ates.Silos[2].Url) };
        var newcomer = new AtesClient(elsewhere);
        (await newcomer.SignInAsync("newcomer@example.com", "a long password")).Id.ShouldBe(created.Id);
        // Its token works on every silo, and so does the cookie of a browser that signed in on the first.
        foreach (var silo in ates.Silos)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{silo.Url}/api/me");
            request.Headers.Authorization = elsewhere.DefaultRequestHeaders.Authorization;
            using var response = await silo.Http.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = new Uri(ates.Silos[0].Url) };
        (await browser.PostAsJsonAsync("/api/auth/login", new { email = "newcomer@example.com", password = "a long password" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var cookie = cookies.GetCookieHeader(new Uri(ates.Silos[0].Url));
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"{ates.Silos[1].Url}/api/me"))
        {
            request.Headers.Add("Cookie", cookie);
            (await ates.Silos[1].Http.SendAsync(request)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
    }
}
