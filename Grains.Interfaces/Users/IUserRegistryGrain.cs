using Orleans.Concurrency;

namespace Ates.Grains.Interfaces;

/// <summary>Users, their roles and password hashes, with an email index. One registry ("default") per cluster.</summary>
[Alias("ates.users")]
public interface IUserRegistryGrain : IGrainWithStringKey
{
    Task<UserDto> Register(string email, string name, string role, string passwordHash);

    Task<UserDto> ChangeRole(Guid userId, string role);

    /// <summary>Changes a user's name, email or both (null leaves one as it is); another user's email is a conflict.</summary>
    Task<UserDto> EditDetails(Guid userId, string? name, string? email);

    /// <summary>Disables or enables a user; disabling ends every session of theirs. Nobody disables themselves.</summary>
    Task<UserDto> SetDisabled(Guid actorId, Guid userId, bool disabled);

    /// <summary>Sets a new password hash and ends every session of the user but <paramref name="keptSessionId"/>.</summary>
    Task ChangePassword(Guid userId, string passwordHash, Guid? keptSessionId);

    /// <summary>Stores a stronger hash of the same password, unless the password changed since <paramref name="oldHash"/> was read.</summary>
    Task RehashPassword(Guid userId, string oldHash, string newHash);

    /// <summary>Starts a session for a user who has just proved their password; null if the user is disabled or unknown.</summary>
    Task<Guid?> StartSession(Guid userId);

    Task EndSession(Guid userId, Guid sessionId);

    /// <summary>The user of a live session (not ended, not expired, user not disabled); null otherwise.</summary>
    [ReadOnly]
    Task<UserDto?> GetSession(Guid userId, Guid sessionId);

    [ReadOnly]
    Task<UserDto?> Get(Guid userId);

    [ReadOnly]
    Task<UserCredentials?> FindByEmail(string email);

    [ReadOnly]
    Task<IReadOnlyList<UserDto>> List();

    /// <summary>Users who may be given tasks now (rule: every role but admin and manager).</summary>
    [ReadOnly]
    Task<IReadOnlyList<Guid>> AssignableUserIds();

    /// <summary>
    /// The process behind <paramref name="watcher"/> keeps users and sessions (<see cref="UserDirectory"/>): tell it of
    /// every change before answering the command that made it. Called again every few seconds; forgotten after 30 s.
    /// </summary>
    [AlwaysInterleave]
    Task Watch(IUserDirectoryWatcher watcher);
}
