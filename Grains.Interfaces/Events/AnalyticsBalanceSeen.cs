using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

/// <summary>The latest balance analytics has seen for an account (by the account stream's version).</summary>
[EventType("analytics.balance-seen", 1)]
public sealed record AnalyticsBalanceSeen(Guid AccountId, long Version, decimal Balance);
