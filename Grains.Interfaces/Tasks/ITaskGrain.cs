using Orleans.Concurrency;

namespace Ates.Grains.Interfaces;

[Alias("ates.task")]
public interface ITaskGrain : IGrainWithGuidKey
{
    Task<TaskDto> Create(NewTask task, Guid createdBy);

    /// <summary>The task as the journal has it now (not interleaved: it first applies what the journal holds beyond the activation).</summary>
    Task<TaskDto?> Get();

    /// <summary>The task's life from its own events, oldest first; empty if there is no such task.</summary>
    [ReadOnly]
    Task<IReadOnlyList<TaskStepDto>> History();

    Task<TaskDto> Complete(Guid actorId);

    /// <summary>Gives the task to <paramref name="assigneeId"/> for the shuffle, once per shuffle; false if done or already moved by it.</summary>
    Task<bool> Reassign(Guid assigneeId, Guid shuffleId);
}
