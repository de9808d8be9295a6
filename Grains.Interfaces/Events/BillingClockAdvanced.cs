using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

/// <summary>The billing clock has closed every business day up to and including <see cref="Through"/>.</summary>
[EventType("billing-clock.advanced", 1)]
public sealed record BillingClockAdvanced(DateOnly Through);
