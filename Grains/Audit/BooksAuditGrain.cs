using System.Diagnostics;
using Ates.Grains.Interfaces;
using Ates.Journal;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Ates.Grains.Audit;

/// <summary>
/// Runs <see cref="BooksAudit"/> over the journal: the subscriptions' checkpoints and the journal's end first (so what
/// is judged was delivered), then the log in pages, then the consumers' views, then the log written meanwhile (the
/// accounts and days it touched are not compared with their views: those moved on). Reentrant so that whoever asks
/// while an audit runs gets that audit's answer instead of queueing for a second one.
/// </summary>
[GrainType("audit")]
[Reentrant]
public sealed class BooksAuditGrain(
    IEventJournal journal,
    IEventSerializer serializer,
    ISubscriptionProgress subscriptions,
    BusinessCalendar calendar,
    TimeProvider time,
    ILogger<BooksAuditGrain> logger) : Grain, IBooksAuditGrain
{
    private const int Page = 4096;
    private const int ViewParallelism = 64;

    private Task<AuditDto>? _running;

    public Task<AuditDto> Check() => _running ??= RunAsync();

    private async Task<AuditDto> RunAsync()
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            var audit = await AuditAsync();
            AtesTelemetry.RecordAudit(audit.Differences.Count);
            var level = audit.Ok ? LogLevel.Information : LogLevel.Warning;
            logger.Log(level, "Books audit: {Differences} differences, {Events} events, {Pending} pending, through {Through}, in {Seconds:0.00} s",
                audit.Differences.Count, audit.Events, audit.Pending, audit.CheckedThrough, Stopwatch.GetElapsedTime(started).TotalSeconds);
            return audit;
        }
        finally
        {
            _running = null;
        }
    }

    private async Task<AuditDto> AuditAsync()
    {
        var billing = await subscriptions.DeliveredThroughAsync(SubscriptionNames.Billing);
        var accounting = await subscriptions.DeliveredThroughAsync(SubscriptionNames.Accounting);
        var analytics = await subscriptions.DeliveredThroughAsync(SubscriptionNames.Analytics);
        var end = await journal.ReadHeadAsync();
        var checkedAt = time.GetUtcNow();

        var audit = new BooksAudit(calendar);
        var after = JournalPosition.Start;
        while (after < end)
        {
            var page = await journal.ReadLogAsync(after, Page);
            if (page.Count == 0) break;
            foreach (var e in page)
            {
                if (e.Position > end) break;
                object? decoded = null;
                Delivered delivered = default;
                if (BooksAudit.Types.Contains(e.Type))
                {
                    decoded = serializer.Deserialize(e);
                    var partition = JournalPartitions.Of(e.StreamId);
                    delivered = new Delivered(e.Position <= billing[partition], e.Position <= accounting[partition], e.Position <= analytics[partition]);
                }
                audit.Read(e, decoded, delivered);
            }
            after = page[^1].Position;
        }

        var registry = GrainFactory.GetGrain<IUserRegistryGrain>(Singletons.Key);
        var names = (await registry.List()).ToDictionary(u => u.Id, u => u.Name);
        var first = await GrainFactory.GetGrain<IBillingClockGrain>(Singletons.Key).FirstDay() ?? calendar.Today;
        var days = audit.DaysToCheck(first, calendar.Today).ToList();
        var accounts = audit.AccountsToCheck.ToList();

        var balances = new Dictionary<Guid, decimal>();
        await Concurrently.ForEachAsync(accounts, ViewParallelism, async id => balances[id] = (await GrainFactory.GetGrain<IAccountGrain>(id).Get()).Balance);
        var accountingDays = new Dictionary<DateOnly, DayDto>();
        var earnings = new Dictionary<DateOnly, decimal>();
        await Concurrently.ForEachAsync(days, ViewParallelism, async date =>
        {
            var key = BusinessCalendar.Key(date);
            accountingDays[date] = await GrainFactory.GetGrain<IBillingDayGrain>(key).Get();
            earnings[date] = await GrainFactory.GetGrain<IAnalyticsDayGrain>(key).ManagementEarnings();
        });

        var (movedAccounts, movedDays) = await MovedSinceAsync(end);
        return audit.Finish(new BooksAudit.Views(names, balances, accountingDays, earnings, movedAccounts, movedDays), checkedAt, p => p.ToString());
    }

    /// <summary>The accounts and days that events after <paramref name="end"/> touch: their views may already count them.</summary>
    private async Task<(HashSet<Guid>, HashSet<DateOnly>)> MovedSinceAsync(JournalPosition end)
    {
        var accounts = new HashSet<Guid>();
        var days = new HashSet<DateOnly>();
        var after = end;
        while (true)
        {
            var page = await journal.ReadLogAsync(after, Page);
            foreach (var e in page)
            {
                if (!BooksAudit.Types.Contains(e.Type)) continue;
                days.Add(calendar.DateOf(e.Metadata.OccurredAt));
                switch (serializer.Deserialize(e))
                {
                    case Interfaces.Events.TaskAssigned a: accounts.Add(a.AssigneeId); break;
                    case Interfaces.Events.TaskCompleted c: accounts.Add(c.AssigneeId); break;
                    case Interfaces.Events.LedgerEntryRecorded l:
                        accounts.Add(l.AccountId);
                        days.Add(l.PayoutDate ?? calendar.DateOf(l.At));
                        break;
                }
            }
            if (page.Count < Page) return (accounts, days);
            after = page[^1].Position;
        }
    }
}
