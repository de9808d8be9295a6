namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.close-day-result")]
public sealed record CloseDayResult(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] decimal PaidOut,
    [property: Id(2)] int AccountsPaid);
