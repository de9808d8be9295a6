using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

[EventType("user.registered", 1)]
public sealed record UserRegistered(Guid UserId, string Email, string Name, string Role, string PasswordHash);
