namespace Ates.Grains.Interfaces;

public sealed record UserDto(Guid Id, string Email, string Name, string Role, DateTimeOffset CreatedAt);

/// <summary>What the registry keeps to sign a user in; never leaves the silo.</summary>
public sealed record UserCredentials(UserDto User, string PasswordHash);

public sealed record TaskDto(
    Guid Id,
    string Title,
    string? JiraId,
    string? Description,
    string Status,
    Guid AssigneeId,
    decimal AssignFee,
    decimal Reward,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt);

public static class TaskStatuses
{
    public const string Open = "open";
    public const string Done = "done";
}

public sealed record TaskPage(IReadOnlyList<TaskDto> Items, string? Next);

public sealed record NewTask(string? Title, string? JiraId, string? Description);

public sealed record AccountDto(Guid UserId, decimal Balance, decimal EarnedToday);

public static class EntryKinds
{
    public const string AssignFee = "assign-fee";
    public const string Reward = "reward";
    public const string Payout = "payout";
}

public sealed record EntryDto(Guid Id, DateTimeOffset At, string Kind, decimal Amount, decimal BalanceAfter, Guid? TaskId, string Description);

public sealed record DayDto(DateOnly Date, decimal AssignFees, decimal Rewards, decimal ManagementEarnings, decimal Payouts, bool Closed);

public sealed record CloseDayResult(DateOnly Date, decimal PaidOut, int AccountsPaid);

public sealed record PayoutResult(decimal Amount);

public sealed record AnalyticsSummary(DateOnly Date, decimal ManagementEarnings, int NegativeBalances);

public sealed record ExpensiveTask(Guid Id, string Title, string? JiraId, decimal Reward, DateTimeOffset CompletedAt);

public sealed record MostExpensive(DateOnly From, DateOnly To, ExpensiveTask? Task);

public sealed record NotificationDto(Guid Id, DateTimeOffset At, string Kind, string Text);

public static class NotificationKinds
{
    public const string TaskAssigned = "task-assigned";
    public const string Payout = "payout";
}
