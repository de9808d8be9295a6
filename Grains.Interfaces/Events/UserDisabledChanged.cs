using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

/// <summary>A disabled user cannot sign in, loses every session and is given no new tasks.</summary>
[EventType("user.disabled-changed", 1)]
public sealed record UserDisabledChanged(Guid UserId, bool Disabled);
