using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

/// <summary>A sign-in: the cookie or token carries the session id, and works only while the session does.</summary>
[EventType("user.session-started", 1)]
public sealed record UserSessionStarted(Guid UserId, Guid SessionId);
