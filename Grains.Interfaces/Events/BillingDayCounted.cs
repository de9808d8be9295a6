using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

/// <summary>A ledger entry counted into its business day's totals (accounting).</summary>
[EventType("billing-day.counted", 1)]
public sealed record BillingDayCounted(Guid SourceEventId, string Kind, decimal Amount);
