namespace Ates.Grains.Interfaces;

/// <summary>
/// The journal subscriptions (DESIGN.md "Streams"), by name: silos run one stream provider each
/// (Grains/DomainSubscriptions.cs says what each carries); a frontend reads their status and dead letters.
/// </summary>
public static class SubscriptionNames
{
    public const string Billing = "billing";
    public const string Accounting = "accounting";
    public const string Analytics = "analytics";
    public const string Notifications = "notifications";

    public static readonly IReadOnlyList<string> All = [Accounting, Analytics, Billing, Notifications];
}
