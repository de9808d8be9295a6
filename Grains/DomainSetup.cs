using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ates.Grains;

public sealed class DomainOptions
{
    /// <summary>IANA or Windows id of the business time zone; days close at its midnight.</summary>
    public string BusinessTimeZone { get; set; } = "UTC";

    /// <summary>How often the billing clock looks for ended days to close.</summary>
    public TimeSpan DayCloseCheckPeriod { get; set; } = TimeSpan.FromMinutes(1);
}

/// <summary>
/// The durable subscriptions through which billing, accounting, analytics and notifications learn about tasks.
/// No task grain ever calls an account: money moves only here, from events.
/// </summary>
public static class DomainSubscriptions
{
    public const string Billing = "billing";
    public const string Accounting = "accounting";
    public const string Analytics = "analytics";
    public const string Notifications = "notifications";

    /// <summary>
    /// How often a consumer re-decides after losing an append race to another silo's activation of the same grain.
    /// Safe to repeat: every consumer decides on freshly reloaded state and skips a source event it already has.
    /// </summary>
    public const int ConsumerAttempts = 50;

    private const string TaskAssignedType = "task.assigned";
    private const string TaskCompletedType = "task.completed";
    private const string LedgerEntryType = "ledger.entry-recorded";

    public static IEnumerable<SubscriptionDefinition> All()
    {
        // Rule 3: each assignment charges its fee to the assignee, each completion credits the reward.
        yield return Route(Billing, (e, decoded, grains, _) => decoded switch
        {
            TaskAssigned a => grains.GetGrain<IAccountGrain>(a.AssigneeId),
            TaskCompleted c => grains.GetGrain<IAccountGrain>(c.AssigneeId),
            _ => null,
        }, TaskAssignedType, TaskCompletedType);

        // Rule 7 and the Day view: ledger entries counted into their business day (payouts into the day they close).
        yield return Route(Accounting, (e, decoded, grains, calendar) => decoded is LedgerEntryRecorded entry
            ? grains.GetGrain<IBillingDayGrain>(BusinessCalendar.Key(entry.PayoutDate ?? calendar.DateOf(entry.At)))
            : null, LedgerEntryType);

        // Rule 9: earnings and the most expensive task per day; balances for "negative now".
        yield return Route(Analytics, (e, decoded, grains, calendar) => decoded switch
        {
            TaskAssigned or TaskCompleted => grains.GetGrain<IAnalyticsDayGrain>(BusinessCalendar.Key(calendar.DateOf(e.Metadata.OccurredAt))),
            LedgerEntryRecorded => grains.GetGrain<IBalanceWatchGrain>(Singletons.Key),
            _ => null,
        }, TaskAssignedType, TaskCompletedType, LedgerEntryType);

        // Rule 11: "a task is assigned to you", and the payout email of rule 6.
        yield return Route(Notifications, (e, decoded, grains, _) => decoded switch
        {
            TaskAssigned a => grains.GetGrain<IInboxGrain>(a.AssigneeId),
            LedgerEntryRecorded { Kind: EntryKinds.Payout } p => grains.GetGrain<IInboxGrain>(p.AccountId),
            _ => null,
        }, TaskAssignedType, LedgerEntryType);
    }

    private static SubscriptionDefinition Route(string name, Func<RecordedEvent, object, IGrainFactory, BusinessCalendar, IEventConsumer?> route, params string[] types)
    {
        var wanted = types.ToHashSet(StringComparer.Ordinal);
        // Every handler dedupes by source event id and needs only each source stream in order (a task's completion after
        // its assignment, an account's entries by version): the streams of a batch may go side by side, and each
        // grain's events of a batch go to it together.
        return new SubscriptionDefinition(name, (e, services) => wanted.Contains(e.Type)
            ? route(e, services.GetRequiredService<IEventSerializer>().Deserialize(e), services.GetRequiredService<IGrainFactory>(), services.GetRequiredService<BusinessCalendar>())
            : null) { ConcurrentStreams = true };
    }
}

public static class DomainSetup
{
    /// <summary>Hosts the aTES grains, their event contracts and subscriptions, and starts the billing clock with the silo.</summary>
    public static SiloBuilder AddAtesDomain(this SiloBuilder silo, Action<DomainOptions>? configure = null)
    {
        var options = new DomainOptions();
        configure?.Invoke(options);
        silo.Services.AddSingleton(options);
        silo.Services.TryAddSingleton(sp => new BusinessCalendar(TimeZoneInfo.FindSystemTimeZoneById(options.BusinessTimeZone), sp.GetRequiredService<TimeProvider>()));
        silo.Services.TryAddSingleton(_ => RandomSource.Shared());
        silo.Services.TryAddSingleton<DomainQueries>();
        silo.AddGrains(typeof(DomainSetup).Assembly);
        silo.AddEventTypes(typeof(TaskCreated).Assembly);
        silo.AddUpcaster(EventUpcaster.Create<TaskCreatedV1, TaskCreated>(TaskCreatedUpcaster.Upcast));
        foreach (var subscription in DomainSubscriptions.All()) silo.AddSubscription(subscription);
        silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>().GetGrain<IBillingClockGrain>(Singletons.Key).Start());
        return silo;
    }
}
