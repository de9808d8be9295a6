namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.notification-dto")]
public sealed record NotificationDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Text);
