namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.payout-result")]
public sealed record PayoutResult(
    [property: Id(0)] decimal Amount);
