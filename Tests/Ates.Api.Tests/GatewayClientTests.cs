using System.Net;
using Ates.Client;
using Ates.Grains.Interfaces;

namespace Ates.Api.Tests;

/// <summary>A whole working day through the typed gateway client, as another service would drive Ates.</summary>
public sealed class GatewayClientTests(AtesApi api) : IClassFixture<AtesApi>
{
    private async Task<AtesClient> SignedInAsync(string email, string password)
    {
        var client = new AtesClient(api.CreateClient());
        await client.SignInAsync(email, password);
        return client;
    }

    [Fact]
    public async Task An_admin_adds_a_worker_who_earns_and_everyone_sees_it_through_the_typed_client()
    {
        var admin = await SignedInAsync("admin@ates.local", "admin");
        var email = $"typed-{Guid.NewGuid():N}@ates.test";
        var worker = await admin.CreateUserAsync(email, "Typed Worker", Roles.Worker, "correct-horse");
        (await admin.UsersAsync()).ShouldContain(u => u.Id == worker.Id);

        // Everybody else stops being assignable, so the task lands on the new worker.
        foreach (var other in (await admin.UsersAsync()).Where(u => u.Id != worker.Id && Roles.IsAssignable(u.Role)))
            await admin.ChangeRoleAsync(other.Id, Roles.Manager);

        var manager = await SignedInAsync("manager@ates.local", "manager");
        manager.CorrelationId = "typed-client-1";
        var task = await manager.CreateTaskAsync("Typed task", "UBERPOP-77");
        task.AssigneeId.ShouldBe(worker.Id);

        var me = await SignedInAsync(email, "correct-horse");
        (await me.ListTasksAsync(assignee: "me", status: TaskStatuses.Open)).Items.ShouldContain(t => t.Id == task.Id);
        (await me.CompleteTaskAsync(task.Id)).Status.ShouldBe(TaskStatuses.Done);
        var error = await Should.ThrowAsync<AtesApiException>(me.CompleteTaskAsync(task.Id));
        error.Status.ShouldBe(HttpStatusCode.Conflict);

        // Billing follows through the stream: wait for it as a client would, by polling its own account.
        AccountDto account;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        do
        {
            account = await me.MyAccountAsync();
            if (account.Balance == task.Reward - task.AssignFee || DateTime.UtcNow > deadline) break;
            await Task.Delay(50);
        } while (true);
        account.Balance.ShouldBe(task.Reward - task.AssignFee);
        (await me.MyLogAsync()).Select(e => e.Kind).ShouldBe([EntryKinds.Reward, EntryKinds.AssignFee]);
        (await me.NotificationsAsync()).ShouldContain(n => n.Kind == NotificationKinds.TaskAssigned);

        // (The accountant was made a manager above, so the admin looks at the books.)
        (await admin.AccountAsync(worker.Id)).Balance.ShouldBe(account.Balance);
        (await admin.TodayAsync()).AssignFees.ShouldBeGreaterThanOrEqualTo(task.AssignFee);
        (await Should.ThrowAsync<AtesApiException>(me.AccountAsync(Guid.NewGuid()))).Status.ShouldBe(HttpStatusCode.Forbidden);
        (await admin.MostExpensiveAsync("day")).Task.ShouldNotBeNull();
        var invalid = await Should.ThrowAsync<AtesApiException>(manager.CreateTaskAsync(""));
        invalid.Errors!.Keys.ShouldContain("title");
    }
}
