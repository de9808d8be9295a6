using Ates.Client.Sdk;
using Ates.Grains.Interfaces;
using Sdk = Ates.Client.Sdk.Models;

namespace Ates.Api.Tests;

/// <summary>A whole working day through the generated client (Client.Sdk), as another service would drive Ates.</summary>
public sealed class GatewayClientTests(AtesApi api) : IClassFixture<AtesApi>
{
    private Task<AtesApiClient> SignedInAsync(string email, string password) => AtesSdk.SignInAsync(api.CreateClient(), email, password);

    [Fact]
    public async Task An_admin_adds_a_worker_who_earns_and_everyone_sees_it_through_the_generated_client()
    {
        var admin = await SignedInAsync("admin@ates.local", "admin");
        var email = $"typed-{Guid.NewGuid():N}@ates.test";
        var worker = (await admin.Api.Users.PostAsync(new Sdk.NewUser { Email = email, Name = "Typed Worker", Role = Roles.Worker, Password = "correct-horse" }))!;
        (await admin.Api.Users.GetAsync())!.ShouldContain(u => u.Id == worker.Id);

        // Everybody else stops being assignable, so the task lands on the new worker.
        foreach (var other in (await admin.Api.Users.GetAsync())!.Where(u => u.Id != worker.Id && Roles.IsAssignable(u.Role!)))
            await admin.Api.Users[other.Id!.Value].Role.PutAsync(new Sdk.RoleChange { Role = Roles.Manager });

        var manager = await SignedInAsync("manager@ates.local", "manager");
        var task = (await manager.Api.Tasks.PostAsync(new Sdk.NewTask { Title = "Typed task", JiraId = "UBERPOP-77" },
            request => request.Headers.Add("X-Correlation-Id", "typed-client-1")))!;
        task.AssigneeId.ShouldBe(worker.Id);

        var me = await SignedInAsync(email, "correct-horse");
        (await me.Api.Tasks.GetAsync(request => (request.QueryParameters.Assignee, request.QueryParameters.Status) = ("me", TaskStatuses.Open)))!
            .Items!.ShouldContain(t => t.Id == task.Id);
        (await me.Api.Tasks[task.Id!.Value].Complete.PostAsync())!.Status.ShouldBe(TaskStatuses.Done);
        var error = await Should.ThrowAsync<Sdk.ProblemDetails>(me.Api.Tasks[task.Id!.Value].Complete.PostAsync());
        error.ResponseStatusCode.ShouldBe(409);

        // Billing follows through the stream: wait for it as a client would, by polling its own account.
        var earned = task.Reward - task.AssignFee;
        Sdk.AccountView account;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            account = (await me.Api.Accounts.Me.GetAsync())!;
            if (account.Balance == earned || DateTime.UtcNow > deadline) break;
            await Task.Delay(50);
        } while (true);
        account.Balance.ShouldBe(earned);
        (await me.Api.Accounts.Me.Log.GetAsync())!.Select(e => e.Kind).ShouldBe([EntryKinds.Reward, EntryKinds.AssignFee]);
        (await me.Api.Notifications.GetAsync())!.ShouldContain(n => n.Kind == NotificationKinds.TaskAssigned);

        // (The accountant was made a manager above, so the admin looks at the books.)
        (await admin.Api.Accounts[worker.Id!.Value].GetAsync())!.Balance.ShouldBe(account.Balance);
        (await admin.Api.Accounting.Today.GetAsync())!.AssignFees.ShouldNotBeNull().ShouldBeGreaterThanOrEqualTo(task.AssignFee!.Value);
        (await Should.ThrowAsync<Sdk.ProblemDetails>(me.Api.Accounts[Guid.NewGuid()].GetAsync())).ResponseStatusCode.ShouldBe(403);
        (await admin.Api.Analytics.MostExpensive.GetAsync(request => request.QueryParameters.Period = "day"))!.Task.ShouldNotBeNull();
        var invalid = await Should.ThrowAsync<Sdk.HttpValidationProblemDetails>(manager.Api.Tasks.PostAsync(new Sdk.NewTask { Title = "" }));
        invalid.Errors!.AdditionalData.Keys.ShouldContain("title");
    }
}
