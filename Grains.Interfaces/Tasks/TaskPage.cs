namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.task-page")]
public sealed record TaskPage(
    [property: Id(0)] IReadOnlyList<TaskDto> Items,
    [property: Id(1)] string? Next,
    [property: Id(2)] long Total);
