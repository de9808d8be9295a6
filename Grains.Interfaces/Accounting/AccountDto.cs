namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.account-dto")]
public sealed record AccountDto(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] decimal Balance,
    [property: Id(2)] decimal EarnedToday);
