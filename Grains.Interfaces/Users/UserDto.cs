namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.user-dto")]
public sealed record UserDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Email,
    [property: Id(2)] string Name,
    [property: Id(3)] string Role,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] bool Disabled = false);
