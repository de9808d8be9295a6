namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.day-dto")]
public sealed record DayDto(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] decimal AssignFees,
    [property: Id(2)] decimal Rewards,
    [property: Id(3)] decimal ManagementEarnings,
    [property: Id(4)] decimal Payouts,
    [property: Id(5)] bool Closed);
