using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

/// <summary>A new password; every session of the user but <see cref="KeptSessionId"/> (the one that changed it) ends.</summary>
[EventType("user.password-changed", 1)]
public sealed record UserPasswordChanged(Guid UserId, string PasswordHash, Guid? KeptSessionId);
