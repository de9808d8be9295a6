namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.entry-dto")]
public sealed record EntryDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Kind,
    [property: Id(3)] decimal Amount,
    [property: Id(4)] decimal BalanceAfter,
    [property: Id(5)] Guid? TaskId,
    [property: Id(6)] string Description);
