using Ates.Grains.Interfaces;

namespace Ates.Client.Apis;

/// <summary>A task as docs/api.md describes it: with its assignee's name.</summary>
public sealed record TaskView(Guid Id, string Title, string? JiraId, string? Description, string Status, Guid AssigneeId, string AssigneeName,
    decimal AssignFee, decimal Reward, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt)
{
    public static TaskView Of(TaskDto t, IReadOnlyDictionary<Guid, UserDto> people) =>
        new(t.Id, t.Title, t.JiraId, t.Description, t.Status, t.AssigneeId, People.NameOf(people, t.AssigneeId), t.AssignFee, t.Reward, t.CreatedAt, t.CompletedAt);
}

public sealed record TaskPageView(IReadOnlyList<TaskView> Items, string? Next, long Total);

/// <summary>One step of a task's life: created, assigned (with the fee charged), completed (with the reward).</summary>
public sealed record TaskStep(DateTimeOffset At, string Kind, Guid AssigneeId, string AssigneeName, decimal? Fee, decimal? Reward);

/// <summary>An account as docs/api.md describes it: whose it is, by name and role.</summary>
public sealed record AccountView(Guid UserId, string Name, string Role, decimal Balance, decimal EarnedToday)
{
    public static AccountView Of(AccountDto a, IReadOnlyDictionary<Guid, UserDto> people) =>
        new(a.UserId, People.NameOf(people, a.UserId), people.TryGetValue(a.UserId, out var u) ? u.Role : "", a.Balance, a.EarnedToday);
}

/// <summary>How many people were below zero at the end of a day.</summary>
public sealed record NegativeBalancesOnDay(DateOnly Date, int People);

/// <summary>A one-time password an admin hands to a user: shown once, stored only as a hash.</summary>
public sealed record PasswordReset(string TemporaryPassword);
