namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.most-expensive")]
public sealed record MostExpensive(
    [property: Id(0)] DateOnly From,
    [property: Id(1)] DateOnly To,
    [property: Id(2)] ExpensiveTask? Task);
