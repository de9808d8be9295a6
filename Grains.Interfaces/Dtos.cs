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
    [property: Id(1)] string? Next,
    [property: Id(2)] long Total);

/// <summary>How a task listing sorts: newest first, or the highest assign fee or reward first (newest first on a tie).</summary>
public static class TaskSorts
{
    public const string Newest = "newest";
    public const string Fee = "fee";
    public const string Reward = "reward";
}

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

/// <summary>
/// The books re-derived from the task events and compared with what the consumers recorded (docs/design.md "Proving the
/// books"). Judged: the task events billing has delivered (up to <see cref="CheckedThrough"/>, a journal position);
/// <see cref="Pending"/> counts the task events after it.
/// </summary>
[GenerateSerializer, Immutable, Alias("ates.audit")]
public sealed record AuditDto(
    [property: Id(0)] bool Ok,
    [property: Id(1)] string CheckedThrough,
    [property: Id(2)] DateTimeOffset CheckedAt,
    [property: Id(3)] long Events,
    [property: Id(4)] int Tasks,
    [property: Id(5)] int Accounts,
    [property: Id(6)] int Days,
    [property: Id(7)] long Pending,
    [property: Id(8)] IReadOnlyList<AuditDifference> Differences);

/// <summary>One way the books disagree with the work done; <see cref="Detail"/> says it in words.</summary>
[GenerateSerializer, Immutable, Alias("ates.audit-difference")]
public sealed record AuditDifference(
    [property: Id(0)] string Kind,
    [property: Id(1)] Guid? AccountId,
    [property: Id(2)] string? Name,
    [property: Id(3)] Guid? TaskId,
    [property: Id(4)] DateOnly? Date,
    [property: Id(5)] decimal Expected,
    [property: Id(6)] decimal Recorded,
    [property: Id(7)] string Detail);

public static class AuditKinds
{
    public const string FeeMissing = "fee-missing";
    public const string RewardMissing = "reward-missing";
    public const string EntryAmount = "entry-amount";
    public const string EntryAccount = "entry-account";
    public const string EntryTwice = "entry-twice";
    public const string EntryWithoutSource = "entry-without-source";
    public const string BalanceChain = "balance-chain";
    public const string PayoutMissing = "payout-missing";
    public const string PayoutAmount = "payout-amount";
    public const string PayoutUnexpected = "payout-unexpected";
    public const string PayoutTwice = "payout-twice";
    public const string Balance = "balance";
    public const string AccountingDay = "accounting-day";
    public const string AnalyticsDay = "analytics-day";
}
