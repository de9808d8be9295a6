using Ates.Grains.Interfaces;


namespace Ates.Grains;

/// <summary>Read-side questions that span several grains (accounting and analytics views).</summary>
public sealed class DomainQueries(IGrainFactory grains, BusinessCalendar calendar)
{
    public const int MaxRangeDays = 366;

    public BusinessCalendar Calendar => calendar;

    public async Task<IReadOnlyList<AccountDto>> AllAccounts()
    {
        var users = await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).List();
        return await Task.WhenAll(users.Select(u => grains.GetGrain<IAccountGrain>(u.Id).Get()));
    }

    public Task<DayDto> Day(DateOnly date) => grains.GetGrain<IBillingDayGrain>(BusinessCalendar.Key(date)).Get();

    public async Task<IReadOnlyList<DayDto>> Days(DateOnly from, DateOnly to) =>
        await Task.WhenAll(Dates(from, to).Select(Day));

    public async Task<AnalyticsSummary> Summary(DateOnly date)
    {
        EnsureSupported(date);
        var earnings = await grains.GetGrain<IAnalyticsDayGrain>(BusinessCalendar.Key(date)).ManagementEarnings();
        var negative = await grains.GetGrain<IBalanceWatchGrain>(Singletons.Key).NegativeBalances();
        return new AnalyticsSummary(date, earnings, negative);
    }

    /// <summary>Rule 9: the highest reward among tasks completed in the range (the earliest such on a tie).</summary>
    public async Task<MostExpensive> MostExpensive(DateOnly from, DateOnly to)
    {
        var perDay = await Task.WhenAll(Dates(from, to).Select(d => grains.GetGrain<IAnalyticsDayGrain>(BusinessCalendar.Key(d)).MostExpensive()));
        var best = perDay.OfType<ExpensiveTask>().Aggregate((ExpensiveTask?)null, (b, t) => b is null || MoreExpensive(t, b) ? t : b);
        return new MostExpensive(from, to, best);
    }

    /// <summary>Highest reward wins; on a tie the earlier completion, then the smaller task id, so every silo picks the same one.</summary>
    public static bool MoreExpensive(ExpensiveTask candidate, ExpensiveTask current) =>
        candidate.Reward != current.Reward ? candidate.Reward > current.Reward
        : candidate.CompletedAt != current.CompletedAt ? candidate.CompletedAt < current.CompletedAt
        : candidate.Id.CompareTo(current.Id) < 0;

    /// <summary>The range of a period that contains <paramref name="date"/>: its day, its ISO week (Monday first), or its month.</summary>
    public static (DateOnly From, DateOnly To) Period(string period, DateOnly date)
    {
        EnsureSupported(date);
        var monday = date.AddDays(-(((int)date.DayOfWeek + 6) % 7));
        return period switch
        {
            "day" => (date, date),
            "week" => (monday, monday.AddDays(6)),
            "month" => (new DateOnly(date.Year, date.Month, 1), new DateOnly(date.Year, date.Month, DateTime.DaysInMonth(date.Year, date.Month))),
            _ => throw DomainException.Invalid("period", "The period is day, week or month."),
        };
    }

    /// <summary>Business dates the system answers for; beyond them date arithmetic would overflow.</summary>
    public static DateOnly EnsureSupported(DateOnly date, string field = "date") =>
        date.Year is >= 1970 and <= 9000 ? date : throw DomainException.Invalid(field, "The date is between 1970-01-01 and 9000-12-31.");

    private static IEnumerable<DateOnly> Dates(DateOnly from, DateOnly to)
    {
        EnsureSupported(from, "from");
        EnsureSupported(to, "to");
        if (to < from) throw DomainException.Invalid("to", "The range ends before it starts.");
        if (to.DayNumber - from.DayNumber >= MaxRangeDays) throw DomainException.Invalid("to", $"A range is at most {MaxRangeDays} days.");
        for (var d = from; d <= to; d = d.AddDays(1)) yield return d;
    }
}
