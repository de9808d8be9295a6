using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ates.Cluster.Tests;

/// <summary>Limits that only a real server has (Kestrel's), answered in words like everything else.</summary>
public sealed class HttpLimitsTests
{
    [Fact]
    public async Task A_search_of_20000_characters_is_answered_with_the_length_limit_in_problem_json_not_a_bare_414()
    {
        var data = Directory.CreateTempSubdirectory("ates-limits-").FullName;
        try
        {
            await using var silo = SiloProcess.Start(new Dictionary<string, string> { ["Ates__Storage"] = "Embedded", ["Ates__DataDirectory"] = data });
            await silo.WaitReadyAsync(TimeSpan.FromSeconds(90));
            var manager = new AtesClient(silo.Http);
            await manager.SignInAsync("manager@ates.local", "manager");

            var response = await silo.Http.GetAsync("/api/tasks?q=" + new string('q', 20_000));

            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            problem.GetProperty("errors").GetProperty("q")[0].GetString()!.ShouldContain("200");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task Behind_a_known_proxy_the_sign_in_limit_counts_clients_the_cookie_knows_https_and_failures_are_logged()
    {
        var data = Directory.CreateTempSubdirectory("ates-proxy-").FullName;
        try
        {
            await using var silo = SiloProcess.Start(new Dictionary<string, string> { ["Ates__Storage"] = "Embedded", ["Ates__DataDirectory"] = data });
            await silo.WaitReadyAsync(TimeSpan.FromSeconds(90));
            async Task<HttpResponseMessage> SignInAsync(string client, string email, string password, string proto = "http")
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/login") { Content = JsonContent.Create(new { email, password }) };
                request.Headers.Add("X-Forwarded-For", client); // the test is the proxy, on loopback: a known one
                request.Headers.Add("X-Forwarded-Proto", proto);
                return await silo.Http.SendAsync(request);
            }

            var first = await SignInAsync("203.0.113.7", "guess0@ates.local", "nope");
            first.Headers.Server.ShouldBeEmpty("no product name for a scanner");
            for (var i = 1; i < Ates.Client.Gateway.Auth.SignInsPerMinute; i++)
                (await SignInAsync("203.0.113.7", $"guess{i}@ates.local", "nope")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await SignInAsync("203.0.113.7", "manager@ates.local", "manager")).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests, "that client's limit");
            (await SignInAsync("203.0.113.8", "guess0@ates.local", "nope")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "another client behind the same proxy is not locked out");

            var secure = await SignInAsync("203.0.113.9", "manager@ates.local", "manager", proto: "https");
            secure.StatusCode.ShouldBe(HttpStatusCode.OK);
            var cookie = secure.Headers.GetValues("Set-Cookie").Single();
            cookie.ShouldStartWith("__Host-ates.auth=");
            cookie.ShouldContain("secure", Case.Insensitive);
            secure.Headers.Contains("Strict-Transport-Security").ShouldBeTrue();

            silo.LastLines().ShouldContain("Sign-in failed for guess0@ates.local from 203.0.113.7: no user has this email");
            silo.LastLines().ShouldNotContain("nope", customMessage: "never the password");
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
