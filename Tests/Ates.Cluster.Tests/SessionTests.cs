using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Xunit.Abstractions;

namespace Ates.Cluster.Tests;

/// <summary>
/// Each silo keeps the sessions and assignable users it has looked up (so a request is not a call to the one registry
/// grain of the cluster), and the registry tells every silo of a change before it answers it: a logout, a disabled
/// user or a role change holds on every silo for the very next request.
/// </summary>
public sealed class SessionTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_logout_a_disabled_user_and_a_role_change_hold_on_every_silo_for_the_next_request()
    {
        await using var ates = await PostgresCluster.StartAsync(silos: 3);
        var admin = await ates.ClientAsync("admin", ates.Silos[0]);
        var manager = await ates.ClientAsync("manager", ates.Silos[0]);
        var leaver = await admin.CreateUserAsync("leaver@example.com", "Leaver", "worker", "a long password");
        var promoted = await admin.CreateUserAsync("promoted@example.com", "Promoted", "worker", "a long password");

        // A token used on every silo, so that every silo keeps its session.
        var token = await SignInAsync(ates.Silos[2], "leaver@example.com");
        foreach (var silo in ates.Silos) (await MeAsync(silo, token)).ShouldBe(HttpStatusCode.OK);

        using (var logout = new HttpRequestMessage(HttpMethod.Post, "/api/auth/logout"))
        {
            logout.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            (await ates.Silos[1].Http.SendAsync(logout)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        }
        var afterLogout = Stopwatch.StartNew();
        foreach (var silo in ates.Silos) (await MeAsync(silo, token)).ShouldBe(HttpStatusCode.Unauthorized, $"{silo.Url} right after the logout on another silo");
        output.WriteLine($"logout on silo 1: refused on all three silos within {afterLogout.Elapsed.TotalMilliseconds:F0} ms");

        // Disabled on one silo: the next request with the user's token fails everywhere, and no new task goes to them.
        var second = await SignInAsync(ates.Silos[1], "leaver@example.com");
        foreach (var silo in ates.Silos) (await MeAsync(silo, second)).ShouldBe(HttpStatusCode.OK);
        await CreateTasksAsync(ates, manager, 6); // every silo has drawn assignees once
        using (var disable = new HttpRequestMessage(HttpMethod.Put, $"/api/users/{leaver.Id}/disabled") { Content = System.Net.Http.Json.JsonContent.Create(new { disabled = true }) })
        {
            disable.Headers.Authorization = admin.Http.DefaultRequestHeaders.Authorization;
            (await ates.Silos[0].Http.SendAsync(disable)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        foreach (var silo in ates.Silos) (await MeAsync(silo, second)).ShouldBe(HttpStatusCode.Unauthorized, $"{silo.Url} right after the user was disabled on another silo");

        // Promoted to manager on one silo: none of the next tasks, created through every silo, is theirs.
        await admin.ChangeRoleAsync(promoted.Id, "manager");
        var assignees = await CreateTasksAsync(ates, manager, 60);
        assignees.ShouldNotContain(leaver.Id, "a disabled user is given no task");
        assignees.ShouldNotContain(promoted.Id, "a role change holds for the next assignment on every silo (rule 10)");
        output.WriteLine($"60 tasks after the changes went to {assignees.Distinct().Count()} people, none of them the two changed");
    }

    private static async Task<string> SignInAsync(Ates.Testing.SiloProcess silo, string email)
    {
        using var http = new HttpClient { BaseAddress = new Uri(silo.Url) };
        await new AtesClient(http).SignInAsync(email, "a long password");
        return http.DefaultRequestHeaders.Authorization!.Parameter!;
    }

    private static async Task<HttpStatusCode> MeAsync(Ates.Testing.SiloProcess silo, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await silo.Http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>Creates tasks through each silo in turn with the manager's token; returns their assignees.</summary>
    private static async Task<List<Guid>> CreateTasksAsync(PostgresCluster ates, AtesClient manager, int count)
    {
        var assignees = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            var silo = ates.Silos[i % ates.Silos.Count];
            using var http = new HttpClient { BaseAddress = new Uri(silo.Url) };
            http.DefaultRequestHeaders.Authorization = manager.Http.DefaultRequestHeaders.Authorization;
            assignees.Add((await new AtesClient(http).CreateTaskAsync($"Task {i}")).AssigneeId);
        }
        return assignees;
    }
}
