using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

/// <summary>
/// v1, as producers wrote it before Jira ids had their own field: the id travelled inside the title,
/// e.g. "[UBERPOP-42] - Change the shade of green". Read through <see cref="TaskCreatedUpcaster"/>; never written.
/// </summary>
[EventType("task.created", 1)]
public sealed record TaskCreatedV1(Guid TaskId, string Title, string? Description, decimal AssignFee, decimal Reward, Guid CreatedBy);

/// <summary>A task was created; its prices are fixed here, once, and travel on the events.</summary>
[EventType("task.created", 2)]
public sealed record TaskCreated(Guid TaskId, string Title, string? JiraId, string? Description, decimal AssignFee, decimal Reward, Guid CreatedBy);

/// <summary>A task got an assignee: at creation and at every shuffle. Each one charges the assign fee to the assignee.</summary>
[EventType("task.assigned", 1)]
public sealed record TaskAssigned(Guid TaskId, Guid AssigneeId, Guid? PreviousAssigneeId, decimal AssignFee, string Reason, Guid? ShuffleId, string Title, string? JiraId);

/// <summary>The assignee completed the task; the reward is credited to them. Title travels for analytics.</summary>
[EventType("task.completed", 1)]
public sealed record TaskCompleted(Guid TaskId, Guid AssigneeId, decimal Reward, string Title, string? JiraId);

public static class AssignReasons
{
    public const string Created = "created";
    public const string Shuffle = "shuffle";
}
