using System.Text.Json;

namespace Ates.Domain.Tests;

/// <summary>
/// Each silo has its own activation of a grain. A command taken by an activation that missed another silo's writes
/// must decide on the facts in the store, even when it would refuse or do nothing (and so never meet a version check).
/// </summary>
public sealed class StaleActivationTests
{
    private static RecordedEvent Completed(Guid taskId, Guid assignee, decimal reward) =>
        new(Guid.CreateVersion7(), $"task/{taskId:N}", 3, LogPosition.Start, 0, "task.completed", 1,
            JsonSerializer.SerializeToUtf8Bytes(new TaskCompleted(taskId, assignee, reward, "Earned elsewhere", null), JsonEventSerializer.Options),
            new EventMetadata(DateTimeOffset.UtcNow, null, null, null, null));

    [Fact]
    public async Task A_task_id_that_exists_is_not_created_again_by_an_activation_that_never_read_it()
    {
        await using var ates = await DomainCluster.StartAsync();
        var manager = await ates.UserAsync(Roles.Manager);
        await ates.UserAsync(Roles.Worker);
        var taskId = Guid.CreateVersion7();
        var created = await ates.Silos[0].GrainFactory.GetGrain<ITaskGrain>(taskId).Create(new NewTask("First", null, null), manager.Id);

        // Silo B activates the task for this call without reading it: its append at version 0 meets the existing stream.
        var again = await Should.ThrowAsync<DomainException>(ates.Silos[1].GrainFactory.GetGrain<ITaskGrain>(taskId).Create(new NewTask("Second", null, null), manager.Id));
        again.Error.ShouldBe(DomainError.Conflict);
        (await ates.EventsAsync($"task/{taskId:N}")).Count.ShouldBe(2);
        (await ates.Silos[1].GrainFactory.GetGrain<ITaskGrain>(taskId).Get())!.Title.ShouldBe(created.Title);
    }

    [Fact]
    public async Task A_payout_taken_on_a_silo_whose_account_copy_is_stale_pays_the_real_balance()
    {
        await using var ates = await DomainCluster.StartAsync();
        var worker = await ates.UserAsync(Roles.Worker);
        var onA = ates.Silos[0].GrainFactory.GetGrain<IAccountGrain>(worker.Id);
        var onB = ates.Silos[1].GrainFactory.GetGrain<IAccountGrain>(worker.Id);
        (await onA.Get()).Balance.ShouldBe(0); // silo A's activation now holds balance 0

        await onB.OnEventAsync(Completed(Guid.NewGuid(), worker.Id, 30)); // silo B credits 30

        (await onA.PayOut(new DateOnly(2026, 1, 5))).Amount.ShouldBe(30);
        (await onB.Get()).Balance.ShouldBe(0);
        (await onA.PayOut(new DateOnly(2026, 1, 5))).Amount.ShouldBe(30); // once per day, whoever asks
    }

    [Fact]
    public async Task The_assignee_completes_a_task_through_a_silo_whose_copy_never_saw_it_created()
    {
        await using var ates = await DomainCluster.StartAsync();
        var manager = await ates.UserAsync(Roles.Manager);
        var worker = await ates.UserAsync(Roles.Worker);
        var id = Guid.CreateVersion7();
        (await ates.Silos[1].GrainFactory.GetGrain<ITaskGrain>(id).Get()).ShouldBeNull(); // B's copy: no such task

        await ates.Silos[0].GrainFactory.GetGrain<ITaskGrain>(id).Create(new NewTask("Made on A", null, null), manager.Id);

        (await ates.Silos[1].GrainFactory.GetGrain<ITaskGrain>(id).Complete(worker.Id)).Status.ShouldBe(TaskStatuses.Done);
        (await Should.ThrowAsync<DomainException>(ates.Silos[0].GrainFactory.GetGrain<ITaskGrain>(id).Complete(worker.Id))).Error.ShouldBe(DomainError.Conflict);
    }
}
