namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.expensive-task")]
public sealed record ExpensiveTask(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string? JiraId,
    [property: Id(3)] decimal Reward,
    [property: Id(4)] DateTimeOffset CompletedAt);
