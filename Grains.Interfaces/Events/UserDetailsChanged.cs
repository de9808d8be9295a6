using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

/// <summary>An admin corrected a user's name or email; the user signs in with the new email from then on.</summary>
[EventType("user.details-changed", 1)]
public sealed record UserDetailsChanged(Guid UserId, string Name, string Email);
