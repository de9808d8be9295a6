namespace Ates.Grains.Interfaces;

[GenerateSerializer, Immutable, Alias("ates.user-dto")]
public sealed record UserDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Email,
    [property: Id(2)] string Name,
    [property: Id(3)] string Role,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] bool Disabled = false);

/// <summary>What the registry keeps to sign a user in; never leaves the silo.</summary>
[GenerateSerializer, Immutable, Alias("ates.user-credentials")]
public sealed record UserCredentials(
    [property: Id(0)] UserDto User,
    [property: Id(1)] string PasswordHash);

[GenerateSerializer, Immutable, Alias("ates.task-dto")]
public sealed record TaskDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string? JiraId,
    [property: Id(3)] string? Description,
    [property: Id(4)] string Status,
    [property: Id(5)] Guid AssigneeId,
    [property: Id(6)] decimal AssignFee,
    [property: Id(7)] decimal Reward,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset? CompletedAt);

public static class TaskStatuses
{
    public const string Open = "open";
    public const string Done = "done";
}

/// <summary>One step of a task's life, oldest first: "created" (with its first assignee), "assigned" (fee charged), "completed" (reward).</summary>
[GenerateSerializer, Immutable, Alias("ates.task-step")]
public sealed record TaskStepDto(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Kind,
    [property: Id(2)] Guid AssigneeId,
    [property: Id(3)] decimal? Fee,
    [property: Id(4)] decimal? Reward);

[GenerateSerializer, Immutable, Alias("ates.task-page")]
public sealed record TaskPage(
    [property: Id(0)] IReadOnlyList<TaskDto> Items,
    [property: Id(1)] string? Next);

[GenerateSerializer, Immutable, Alias("ates.new-task")]
public sealed record NewTask(
    [property: Id(0)] string? Title,
    [property: Id(1)] string? JiraId,
    [property: Id(2)] string? Description);

[GenerateSerializer, Immutable, Alias("ates.account-dto")]
public sealed record AccountDto(
    [property: Id(0)] Guid UserId,
    [property: Id(1)] decimal Balance,
    [property: Id(2)] decimal EarnedToday);

public static class EntryKinds
{
    public const string AssignFee = "assign-fee";
    public const string Reward = "reward";
    public const string Payout = "payout";
}

[GenerateSerializer, Immutable, Alias("ates.entry-dto")]
public sealed record EntryDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Kind,
    [property: Id(3)] decimal Amount,
    [property: Id(4)] decimal BalanceAfter,
    [property: Id(5)] Guid? TaskId,
    [property: Id(6)] string Description);

[GenerateSerializer, Immutable, Alias("ates.day-dto")]
public sealed record DayDto(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] decimal AssignFees,
    [property: Id(2)] decimal Rewards,
    [property: Id(3)] decimal ManagementEarnings,
    [property: Id(4)] decimal Payouts,
    [property: Id(5)] bool Closed);

[GenerateSerializer, Immutable, Alias("ates.close-day-result")]
public sealed record CloseDayResult(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] decimal PaidOut,
    [property: Id(2)] int AccountsPaid);

[GenerateSerializer, Immutable, Alias("ates.payout-result")]
public sealed record PayoutResult(
    [property: Id(0)] decimal Amount);

[GenerateSerializer, Immutable, Alias("ates.analytics-summary")]
public sealed record AnalyticsSummary(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] decimal ManagementEarnings,
    [property: Id(2)] int NegativeBalances);

[GenerateSerializer, Immutable, Alias("ates.expensive-task")]
public sealed record ExpensiveTask(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string? JiraId,
    [property: Id(3)] decimal Reward,
    [property: Id(4)] DateTimeOffset CompletedAt);

[GenerateSerializer, Immutable, Alias("ates.most-expensive")]
public sealed record MostExpensive(
    [property: Id(0)] DateOnly From,
    [property: Id(1)] DateOnly To,
    [property: Id(2)] ExpensiveTask? Task);

[GenerateSerializer, Immutable, Alias("ates.notification-dto")]
public sealed record NotificationDto(
    [property: Id(0)] Guid Id,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Kind,
    [property: Id(3)] string Text);

public static class NotificationKinds
{
    public const string TaskAssigned = "task-assigned";
    public const string Payout = "payout";
}
