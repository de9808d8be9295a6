using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

/// <summary>A task price counted into a day's analytics: a fee at assignment, a reward at completion.</summary>
[EventType("analytics.task-priced", 1)]
public sealed record AnalyticsTaskPriced(Guid SourceEventId, string Kind, decimal Amount, Guid TaskId, string? Title, string? JiraId, DateTimeOffset At);
