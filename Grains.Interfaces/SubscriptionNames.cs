namespace Ates.Grains.Interfaces;

/// <summary>
/// The journal subscriptions (docs/design.md "Streams"), by name: silos run one stream provider each
/// (Grains/DomainSubscriptions.cs says what each carries); a frontend reads their status and dead letters.
/// </summary>
public static class SubscriptionNames
{
    public const string Billing = "billing";
    public const string Accounting = "accounting";
    public const string Analytics = "analytics";
    public const string Notifications = "notifications";

    /// <summary>Task events into the task board's rows (a read model in the journal's database).</summary>
    public const string Board = "board";

    /// <summary>Every journal event, relayed in its public form to the "integration" stream provider (off unless configured).</summary>
    public const string Integration = "integration";

    /// <summary>The domain's own subscriptions, which every silo runs.</summary>
    public static readonly IReadOnlyList<string> All = [Accounting, Analytics, Billing, Board, Notifications];
}
