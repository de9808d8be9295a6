using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

[EventType("user.registered", 1)]
public sealed record UserRegistered(Guid UserId, string Email, string Name, string Role, string PasswordHash);

[EventType("user.role-changed", 1)]
public sealed record UserRoleChanged(Guid UserId, string Role);

/// <summary>A disabled user cannot sign in, loses every session and is given no new tasks.</summary>
[EventType("user.disabled-changed", 1)]
public sealed record UserDisabledChanged(Guid UserId, bool Disabled);

/// <summary>A new password; every session of the user but <see cref="KeptSessionId"/> (the one that changed it) ends.</summary>
[EventType("user.password-changed", 1)]
public sealed record UserPasswordChanged(Guid UserId, string PasswordHash, Guid? KeptSessionId);

/// <summary>A sign-in: the cookie or token carries the session id, and works only while the session does.</summary>
[EventType("user.session-started", 1)]
public sealed record UserSessionStarted(Guid UserId, Guid SessionId);

[EventType("user.session-ended", 1)]
public sealed record UserSessionEnded(Guid UserId, Guid SessionId);

/// <summary>One line of an account's ledger. Amount is signed (fees and payouts negative); idempotent by SourceEventId.</summary>
[EventType("ledger.entry-recorded", 1)]
public sealed record LedgerEntryRecorded(
    Guid EntryId,
    Guid AccountId,
    string Kind,
    decimal Amount,
    decimal BalanceAfter,
    Guid? TaskId,
    string Description,
    string SourceId,
    DateTimeOffset At,
    DateOnly? PayoutDate);

/// <summary>A ledger entry counted into its business day's totals (accounting).</summary>
[EventType("billing-day.counted", 1)]
public sealed record BillingDayCounted(Guid SourceEventId, string Kind, decimal Amount);

[EventType("billing-day.closed", 1)]
public sealed record BillingDayClosed(DateOnly Date, decimal PaidOut, int AccountsPaid);

/// <summary>The billing clock has closed every business day up to and including <see cref="Through"/>.</summary>
[EventType("billing-clock.advanced", 1)]
public sealed record BillingClockAdvanced(DateOnly Through);

/// <summary>A task price counted into a day's analytics: a fee at assignment, a reward at completion.</summary>
[EventType("analytics.task-priced", 1)]
public sealed record AnalyticsTaskPriced(Guid SourceEventId, string Kind, decimal Amount, Guid TaskId, string? Title, string? JiraId, DateTimeOffset At);

/// <summary>The latest balance analytics has seen for an account (by the account stream's version).</summary>
[EventType("analytics.balance-seen", 1)]
public sealed record AnalyticsBalanceSeen(Guid AccountId, long Version, decimal Balance);

[EventType("inbox.notified", 1)]
public sealed record InboxNotified(Guid NotificationId, Guid SourceEventId, string Kind, string Text);
