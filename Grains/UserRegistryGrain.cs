using Microsoft.Extensions.Logging;
using Orleans.Utilities;
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
public sealed class UserRegistryGrain(ILogger<UserRegistryGrain> logger) : EventSourcedGrain<UserRegistryState, object>, IUserRegistryGrain
{
    /// <summary>How long a watching process may take to hear of a change before the command answers anyway (it forgets within a second).</summary>
    private static readonly TimeSpan TellWithin = TimeSpan.FromMilliseconds(500);

    private readonly ObserverManager<IUserDirectoryWatcher> _watchers = new(TimeSpan.FromSeconds(30), logger);

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
            case UserDetailsChanged details:
                var before = state.Users[details.UserId];
                state.ByEmail.Remove(before.User.Email.ToLowerInvariant());
                state.ByEmail[details.Email.ToLowerInvariant()] = details.UserId;
                state.Users[details.UserId] = before with { User = before.User with { Name = details.Name, Email = details.Email } };
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
            case UserPasswordRehashed rehashed:
                state.Users[rehashed.UserId] = state.Users[rehashed.UserId] with { PasswordHash = rehashed.PasswordHash };
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

    public async Task<UserDto> Register(string email, string name, string role, string passwordHash)
    {
        email = email?.Trim() ?? "";
        var errors = NewUserRules.Check(email, name, role);
        if (string.IsNullOrEmpty(passwordHash)) errors["password"] = ["A password is required."];
        if (errors.Count > 0) throw new DomainException(DomainError.Invalid, "The user is not valid.", errors);

        var id = Guid.CreateVersion7(Calendar.Now);
        var user = await Decide(() =>
        {
            if (State.ByEmail.ContainsKey(email.ToLowerInvariant())) throw new DomainException(DomainError.Conflict, $"The email {email} is taken.");
            Raise(new UserRegistered(id, email, name.Trim(), role, passwordHash));
            return State.Users[id].User;
        });
        if (Roles.IsAssignable(role)) await TellAsync(w => w.AssignableChanged());
        return user;
    }

    public async Task<UserDto> ChangeRole(Guid userId, string role)
    {
        if (!Roles.IsKnown(role)) throw DomainException.Invalid("role", $"The role is one of {string.Join(", ", Roles.All)}.");
        var user = await Decide(() =>
        {
            if (!State.Users.TryGetValue(userId, out var user)) throw new DomainException(DomainError.NotFound, "No such user.");
            if (user.User.Role != role) Raise(new UserRoleChanged(userId, role));
            return State.Users[userId].User;
        });
        await TellAsync(w => w.UserChanged(userId), w => w.AssignableChanged());
        return user;
    }

    public async Task<UserDto> EditDetails(Guid userId, string? name, string? email)
    {
        var errors = NewUserRules.CheckDetails(email, name);
        if (errors.Count > 0) throw new DomainException(DomainError.Invalid, "The user's details are not valid: " + string.Join(", ", errors.Keys) + ".", errors);
        var user = await Decide(() =>
        {
            if (!State.Users.TryGetValue(userId, out var current)) throw new DomainException(DomainError.NotFound, "No such user.");
            var newEmail = email?.Trim() ?? current.User.Email;
            var newName = name?.Trim() ?? current.User.Name;
            if (State.ByEmail.TryGetValue(newEmail.ToLowerInvariant(), out var holder) && holder != userId)
                throw new DomainException(DomainError.Conflict, $"The email {newEmail} is taken.");
            if (newEmail != current.User.Email || newName != current.User.Name) Raise(new UserDetailsChanged(userId, newName, newEmail));
            return State.Users[userId].User;
        });
        await TellAsync(w => w.UserChanged(userId));
        return user;
    }

    public async Task<UserDto> SetDisabled(Guid actorId, Guid userId, bool disabled)
    {
        if (actorId == userId && disabled) throw new DomainException(DomainError.Conflict, "You cannot disable yourself; ask another admin.");
        var user = await Decide(() =>
        {
            if (!State.Users.TryGetValue(userId, out var user)) throw new DomainException(DomainError.NotFound, "No such user.");
            if (user.User.Disabled != disabled) Raise(new UserDisabledChanged(userId, disabled));
            return State.Users[userId].User;
        });
        await TellAsync(w => w.UserChanged(userId), w => w.AssignableChanged());
        return user;
    }

    public async Task ChangePassword(Guid userId, string passwordHash, Guid? keptSessionId)
    {
        await Decide(() =>
        {
            if (!State.Users.ContainsKey(userId)) throw new DomainException(DomainError.NotFound, "No such user.");
            Raise(new UserPasswordChanged(userId, passwordHash, keptSessionId));
        });
        await TellAsync(w => w.UserChanged(userId));
    }

    public Task RehashPassword(Guid userId, string oldHash, string newHash) => Decide(() =>
    {
        if (State.Users.TryGetValue(userId, out var user) && user.PasswordHash == oldHash) Raise(new UserPasswordRehashed(userId, newHash));
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

    public async Task EndSession(Guid userId, Guid sessionId)
    {
        await Decide(() =>
        {
            if (State.Sessions.TryGetValue(sessionId, out var session) && session.UserId == userId) Raise(new UserSessionEnded(userId, sessionId));
        });
        await TellAsync(w => w.UserChanged(userId));
    }

    public Task Watch(IUserDirectoryWatcher watcher)
    {
        _watchers.Subscribe(watcher, watcher);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Tells every watching process of a confirmed change, all at once, before the command answers; a process that does
    /// not answer within <see cref="TellWithin"/> (it died, or is cut off) forgets on its own within a second.
    /// </summary>
    private async Task TellAsync(params Func<IUserDirectoryWatcher, Task>[] words)
    {
        _watchers.ClearExpired();
        var told = new List<Task>();
        foreach (var watcher in _watchers)
        {
            foreach (var word in words) told.Add(Tell(watcher, word));
        }
        await Task.WhenAll(told);

        async Task Tell(IUserDirectoryWatcher watcher, Func<IUserDirectoryWatcher, Task> word)
        {
            try
            {
                await word(watcher).WaitAsync(TellWithin);
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "A process watching the user registry did not hear of a change in time");
            }
        }
    }

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
