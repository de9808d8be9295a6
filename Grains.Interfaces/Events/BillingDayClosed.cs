using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

[EventType("billing-day.closed", 1)]
public sealed record BillingDayClosed(DateOnly Date, decimal PaidOut, int AccountsPaid);
