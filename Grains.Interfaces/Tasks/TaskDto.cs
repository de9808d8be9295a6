namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.task-dto")]
public sealed record TaskDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string? JiraId,
    [property: Id(3)] string? Description,
    [property: Id(4)] string Status,
    [property: Id(5)] Guid AssigneeId,
    [property: Id(6)] decimal AssignFee,
    [property: Id(7)] decimal Reward,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset? CompletedAt);
