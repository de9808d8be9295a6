using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;
using Orleans.Runtime;

namespace Ates.Grains;

/// <summary>
/// The subscriptions through which billing, accounting, analytics, notifications and the task board learn about tasks
/// (docs/design.md "Streams"): each one routes journal events to the streams of its consumer grains, which subscribe
/// implicitly to those streams' namespaces. No task grain ever calls an account: money moves only here, from events.
/// </summary>
public static class DomainSubscriptions
{
    public const string Billing = SubscriptionNames.Billing;
    public const string Accounting = SubscriptionNames.Accounting;
    public const string Analytics = SubscriptionNames.Analytics;
    public const string Notifications = SubscriptionNames.Notifications;

    public static IReadOnlyList<string> All => SubscriptionNames.All;

    // The stream namespaces, one per consumer grain class ([ImplicitStreamSubscription]).
    public const string BillingAccounts = "billing.account";
    public const string AccountingDays = "accounting.day";
    public const string AnalyticsDays = "analytics.day";
    public const string AnalyticsBalances = "analytics.balance";
    public const string NotificationInboxes = "notifications.inbox";
    public const string IntegrationRelays = "integration.relay";
    public const string BoardWriters = "board.writer";

    /// <summary>
    /// How often a consumer re-decides after losing an append race to another activation of the same grain.
    /// Safe to repeat: every attempt decides on the journal's state and skips a source event it already has.
    /// </summary>
    public const int ConsumerAttempts = 50;

    private const string TaskCreatedType = "task.created";
    private const string TaskAssignedType = "task.assigned";
    private const string TaskCompletedType = "task.completed";
    private const string LedgerEntryType = "ledger.entry-recorded";

    public static IEnumerable<SubscriptionRoute> Routes(BusinessCalendar calendar)
    {
        // Rule 3: each assignment charges its fee to the assignee, each completion credits the reward.
        yield return new SubscriptionRoute(Billing, Types(TaskAssignedType, TaskCompletedType), (_, decoded) => decoded switch
        {
            TaskAssigned a => [StreamId.Create(BillingAccounts, a.AssigneeId)],
            TaskCompleted c => [StreamId.Create(BillingAccounts, c.AssigneeId)],
            _ => [],
        }, (grains, target) => grains.GetGrain<IAccountGrain>(GuidKey(target)).AsReference<IJournalConsumer>());

        // Rule 7 and the Day view: ledger entries counted into their business day (payouts into the day they close).
        yield return new SubscriptionRoute(Accounting, Types(LedgerEntryType), (_, decoded) => decoded is LedgerEntryRecorded entry
            ? [StreamId.Create(AccountingDays, BusinessCalendar.Key(entry.PayoutDate ?? calendar.DateOf(entry.At)))]
            : [], (grains, target) => grains.GetGrain<IBillingDayGrain>(target.GetKeyAsString()).AsReference<IJournalConsumer>());

        // Rule 9: earnings and the most expensive task per day; balances for "negative now".
        yield return new SubscriptionRoute(Analytics, Types(TaskAssignedType, TaskCompletedType, LedgerEntryType), (e, decoded) => decoded switch
        {
            TaskAssigned or TaskCompleted => [StreamId.Create(AnalyticsDays, BusinessCalendar.Key(calendar.DateOf(e.Metadata.OccurredAt)))],
            LedgerEntryRecorded => [StreamId.Create(AnalyticsBalances, Singletons.Key)],
            _ => [],
        }, (grains, target) => target.GetNamespace() == AnalyticsBalances
            ? grains.GetGrain<IBalanceWatchGrain>(target.GetKeyAsString()).AsReference<IJournalConsumer>()
            : grains.GetGrain<IAnalyticsDayGrain>(target.GetKeyAsString()).AsReference<IJournalConsumer>());

        // Rule 11: "a task is assigned to you", and the payout email of rule 6.
        yield return new SubscriptionRoute(Notifications, Types(TaskAssignedType, LedgerEntryType), (_, decoded) => decoded switch
        {
            TaskAssigned a => [StreamId.Create(NotificationInboxes, a.AssigneeId)],
            LedgerEntryRecorded { Kind: EntryKinds.Payout } p => [StreamId.Create(NotificationInboxes, p.AccountId)],
            _ => [],
        }, (grains, target) => grains.GetGrain<IInboxGrain>(GuidKey(target)).AsReference<IJournalConsumer>());

        // The task board's rows: every task event to the writer of its partition (one per partition, keyed by its stream
        // "board#N"; a partition keeps each task's order).
        yield return new SubscriptionRoute(SubscriptionNames.Board, Types(TaskCreatedType, TaskAssignedType, TaskCompletedType), (_, _) => [BoardStream],
            (grains, target) => grains.GetGrain<ITaskBoardWriterGrain>(target.GetKeyAsString()).AsReference<IJournalConsumer>());

        // The integration feed (when a silo runs it): every event, undecoded, to the relay of its partition (one relay per
        // partition, keyed by its stream "relay#N"; a partition keeps each journal stream's order).
        yield return new SubscriptionRoute(SubscriptionNames.Integration, SubscriptionRoute.EveryType,
            (_, _) => [Relays],
            (grains, target) => grains.GetGrain<IIntegrationRelayGrain>(target.GetKeyAsString()).AsReference<IJournalConsumer>());
    }

    private static readonly StreamId Relays = StreamId.Create(IntegrationRelays, "relay");
    private static readonly StreamId BoardStream = StreamId.Create(BoardWriters, "board");

    private static HashSet<string> Types(params string[] types) => types.ToHashSet(StringComparer.Ordinal);

    private static Guid GuidKey(StreamId target) => Guid.Parse(target.GetKeyAsString());
}
