using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Ates.Client;

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
}
