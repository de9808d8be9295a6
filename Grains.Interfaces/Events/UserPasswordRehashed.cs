using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

/// <summary>The same password, hashed again at sign-in with the hasher's current settings; sessions go on.</summary>
[EventType("user.password-rehashed", 1)]
public sealed record UserPasswordRehashed(Guid UserId, string PasswordHash);
