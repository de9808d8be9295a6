namespace Ates.Grains.Interfaces;

/// <summary>What the registry keeps to sign a user in; never leaves the silo.</summary>
[GenerateSerializer, Immutable, Alias("ates.user-credentials")]
public sealed record UserCredentials(
    [property: Id(0)] UserDto User,
    [property: Id(1)] string PasswordHash);
