using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

[EventType("user.session-ended", 1)]
public sealed record UserSessionEnded(Guid UserId, Guid SessionId);
