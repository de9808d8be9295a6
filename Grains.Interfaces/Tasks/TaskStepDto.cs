namespace Ates.Grains.Interfaces;

/// <summary>One step of a task's life, oldest first: "created" (with its first assignee), "assigned" (fee charged), "completed" (reward).</summary>
[GenerateSerializer, Immutable, Alias("ates.task-step")]
public sealed record TaskStepDto(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Kind,
    [property: Id(2)] Guid AssigneeId,
    [property: Id(3)] decimal? Fee,
    [property: Id(4)] decimal? Reward);
