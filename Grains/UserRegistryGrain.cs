using System.Net.Mail;
using Ates.Grains.EventSourcing;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;

namespace Ates.Grains;

public sealed class UserRegistryState
{
    public Dictionary<Guid, UserCredentials> Users { get; set; } = [];
    /// <summary>Keyed by the lower-cased email (a comparer would not survive a snapshot).</summary>
    public Dictionary<string, Guid> ByEmail { get; set; } = [];

    /// <summary>Live sessions by id: whose, and when it began (it lapses <see cref="UserRegistryGrain.SessionLifetime"/> later).</summary>
    public Dictionary<Guid, UserSession> Sessions { get; set; } = [];
}

public sealed record UserSession(Guid UserId, DateTimeOffset StartedAt);

/// <summary>
/// The user registry: one activation in the cluster answers every role check, so a role change holds for every later
/// request and assignment (rule 10) the moment it is confirmed. It also keeps the live sign-in sessions, so a logout,
/// a password change or a disabled user ends sessions on every silo and frontend at once: each request's user lookup
/// is a session lookup.
/// </summary>
[GrainType("users")]
public sealed class UserRegistryGrain : EventSourcedGrain<UserRegistryState, object>, IUserRegistryGrain
{
    /// <summary>Longest a session lives, however active: a cookie slides for 8 h at a time, a token lasts 1 h.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromDays(7);

    protected override void TransitionState(UserRegistryState state, object e)
    {
        switch (e)
        {
            case UserRegistered r:
                state.Users[r.UserId] = new UserCredentials(new UserDto(r.UserId, r.Email, r.Name, r.Role, Applying.OccurredAt), r.PasswordHash);
                state.ByEmail[r.Email.ToLowerInvariant()] = r.UserId;
                break;
            case UserRoleChanged c:
                var current = state.Users[c.UserId];
                state.Users[c.UserId] = current with { User = current.User with { Role = c.Role } };
                break;
            case UserDisabledChanged d:
                var disabled = state.Users[d.UserId];
                state.Users[d.UserId] = disabled with { User = disabled.User with { Disabled = d.Disabled } };
                if (d.Disabled) EndSessions(state, d.UserId, keep: null);
                break;
            case UserPasswordChanged p:
                state.Users[p.UserId] = state.Users[p.UserId] with { PasswordHash = p.PasswordHash };
                EndSessions(state, p.UserId, p.KeptSessionId);
                break;
            case UserSessionStarted s:
                // Lapsed sessions go when a new one starts, by the event's own time, so a replay prunes the same ones.
                foreach (var lapsed in state.Sessions.Where(x => x.Value.StartedAt + SessionLifetime <= Applying.OccurredAt).Select(x => x.Key).ToList())
                    state.Sessions.Remove(lapsed);
                state.Sessions[s.SessionId] = new UserSession(s.UserId, Applying.OccurredAt);
                break;
            case UserSessionEnded ended:
                state.Sessions.Remove(ended.SessionId);
                break;
        }
    }

    private static void EndSessions(UserRegistryState state, Guid userId, Guid? keep)
    {
        foreach (var id in state.Sessions.Where(x => x.Value.UserId == userId && x.Key != keep).Select(x => x.Key).ToList())
            state.Sessions.Remove(id);
    }

    public Task<UserDto> Register(string email, string name, string role, string passwordHash)
    {
        var errors = new Dictionary<string, string[]>();
        email = email?.Trim() ?? "";
        if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email) errors["email"] = ["A valid email address is required."];
        if (string.IsNullOrWhiteSpace(name)) errors["name"] = ["The name is required."];
        else if (name.Trim().Length > 100) errors["name"] = ["The name is at most 100 characters."];
        if (!Roles.IsKnown(role)) errors["role"] = [$"The role is one of {string.Join(", ", Roles.All)}."];
        if (string.IsNullOrEmpty(passwordHash)) errors["password"] = ["A password is required."];
        if (errors.Count > 0) throw new DomainException(DomainError.Invalid, "The user is not valid.", errors);

        var id = Guid.CreateVersion7(Calendar.Now);
        return Decide(() =>
        {
            if (State.ByEmail.ContainsKey(email.ToLowerInvariant())) throw new DomainException(DomainError.Conflict, $"The email {email} is taken.");
            Raise(new UserRegistered(id, email, name.Trim(), role, passwordHash));
            return State.Users[id].User;
        });
    }

    public Task<UserDto> ChangeRole(Guid userId, string role)
    {
        if (!Roles.IsKnown(role)) throw DomainException.Invalid("role", $"The role is one of {string.Join(", ", Roles.All)}.");
        return Decide(() =>
        {
            if (!State.Users.TryGetValue(userId, out var user)) throw new DomainException(DomainError.NotFound, "No such user.");
            if (user.User.Role != role) Raise(new UserRoleChanged(userId, role));
            return State.Users[userId].User;
        });
    }

    public Task<UserDto> SetDisabled(Guid actorId, Guid userId, bool disabled)
    {
        if (actorId == userId && disabled) throw new DomainException(DomainError.Conflict, "You cannot disable yourself; ask another admin.");
        return Decide(() =>
        {
            if (!State.Users.TryGetValue(userId, out var user)) throw new DomainException(DomainError.NotFound, "No such user.");
            if (user.User.Disabled != disabled) Raise(new UserDisabledChanged(userId, disabled));
            return State.Users[userId].User;
        });
    }

    public Task ChangePassword(Guid userId, string passwordHash, Guid? keptSessionId) => Decide(() =>
    {
        if (!State.Users.ContainsKey(userId)) throw new DomainException(DomainError.NotFound, "No such user.");
        Raise(new UserPasswordChanged(userId, passwordHash, keptSessionId));
    });

    public Task<Guid?> StartSession(Guid userId)
    {
        var sessionId = Guid.NewGuid();
        return Decide(() =>
        {
            if (!State.Users.TryGetValue(userId, out var user) || user.User.Disabled) return (Guid?)null;
            Raise(new UserSessionStarted(userId, sessionId));
            return sessionId;
        });
    }

    public Task EndSession(Guid userId, Guid sessionId) => Decide(() =>
    {
        if (State.Sessions.TryGetValue(sessionId, out var session) && session.UserId == userId) Raise(new UserSessionEnded(userId, sessionId));
    });

    public Task<UserDto?> GetSession(Guid userId, Guid sessionId) => Task.FromResult(
        State.Sessions.TryGetValue(sessionId, out var session) && session.UserId == userId && session.StartedAt + SessionLifetime > Calendar.Now
        && State.Users.TryGetValue(userId, out var user) && !user.User.Disabled
            ? user.User
            : null);

    public Task<UserDto?> Get(Guid userId) => Task.FromResult(State.Users.GetValueOrDefault(userId)?.User);

    public Task<UserCredentials?> FindByEmail(string email) =>
        Task.FromResult(State.ByEmail.TryGetValue(email.Trim().ToLowerInvariant(), out var id) ? State.Users[id] : null);

    public Task<IReadOnlyList<UserDto>> List() =>
        Task.FromResult<IReadOnlyList<UserDto>>(State.Users.Values.Select(u => u.User).OrderBy(u => u.CreatedAt).ThenBy(u => u.Email).ToList());

    public Task<IReadOnlyList<Guid>> AssignableUserIds() =>
        Task.FromResult<IReadOnlyList<Guid>>(State.Users.Values.Where(u => Roles.IsAssignable(u.User.Role) && !u.User.Disabled).Select(u => u.User.Id).Order().ToList());
}
