using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

[EventType("user.role-changed", 1)]
public sealed record UserRoleChanged(Guid UserId, string Role);
