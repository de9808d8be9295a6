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
}

/// <summary>
/// The user registry: one activation in the cluster answers every role check, so a role change holds for every later
/// request and assignment (rule 10) the moment it is confirmed.
/// </summary>
[GrainType("users")]
public sealed class UserRegistryGrain : EventSourcedGrain<UserRegistryState, object>, IUserRegistryGrain
{
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
        }
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

    public Task<UserDto?> Get(Guid userId) => Task.FromResult(State.Users.GetValueOrDefault(userId)?.User);

    public Task<UserCredentials?> FindByEmail(string email) =>
        Task.FromResult(State.ByEmail.TryGetValue(email.Trim().ToLowerInvariant(), out var id) ? State.Users[id] : null);

    public Task<IReadOnlyList<UserDto>> List() =>
        Task.FromResult<IReadOnlyList<UserDto>>(State.Users.Values.Select(u => u.User).OrderBy(u => u.CreatedAt).ThenBy(u => u.Email).ToList());

    public Task<IReadOnlyList<Guid>> AssignableUserIds() =>
        Task.FromResult<IReadOnlyList<Guid>>(State.Users.Values.Where(u => Roles.IsAssignable(u.User.Role)).Select(u => u.User.Id).Order().ToList());
}
