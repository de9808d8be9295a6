namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.new-task")]
public sealed record NewTask(
    [property: Id(0)] string? Title,
    [property: Id(1)] string? JiraId,
    [property: Id(2)] string? Description);
