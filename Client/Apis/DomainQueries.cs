using Ates.Grains.Interfaces;


namespace Ates.Client.Apis;

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

    private DateOnly? _firstDay; // never changes once known

    /// <summary>The first business day (nothing existed before it); null before anything happened.</summary>
    private async Task<DateOnly?> FirstDayAsync() => _firstDay ??= await grains.GetGrain<IBillingClockGrain>(Singletons.Key).FirstDay();

    /// <summary>One Day per date in the range, from the first business day on (nothing existed before it).</summary>
    public async Task<IReadOnlyList<DayDto>> Days(DateOnly from, DateOnly to)
    {
        var dates = Dates(from, to).ToList();
        var first = await FirstDayAsync();
        return await Task.WhenAll(dates.Where(d => first is null || d >= first).Select(Day));
    }

    public async Task<AnalyticsSummary> Summary(DateOnly date)
    {
        BusinessCalendar.EnsureSupported(date);
        var earnings = await grains.GetGrain<IAnalyticsDayGrain>(BusinessCalendar.Key(date)).ManagementEarnings();
        var negative = await grains.GetGrain<IBalanceWatchGrain>(Singletons.Key).NegativeBalances();
        return new AnalyticsSummary(date, earnings, negative);
    }

    /// <summary>
    /// How many people had a balance below zero at the end of each day of the range (today: now), by the day close's
    /// rule (<see cref="IAccountGrain.BalancesAt"/>); from the first business day, up to today.
    /// </summary>
    public async Task<IReadOnlyList<NegativeBalancesOnDay>> NegativeBalances(DateOnly from, DateOnly to)
    {
        var first = await FirstDayAsync();
        var today = calendar.Today;
        var dates = Dates(from, to).Where(d => (first is null || d >= first) && d <= today).ToList();
        if (dates.Count == 0) return [];
        var now = calendar.Now;
        var moments = dates.Select(d => d == today ? now : calendar.StartOf(d.AddDays(1)).AddTicks(-1)).ToList();
        var users = await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).List();
        var balances = await Task.WhenAll(users.Select(u => grains.GetGrain<IAccountGrain>(u.Id).BalancesAt(moments)));
        return dates.Select((d, i) => new NegativeBalancesOnDay(d, balances.Count(b => b[i] < 0))).ToList();
    }

    /// <summary>Rule 9: the highest reward among tasks completed in the range (the earliest such on a tie).</summary>
    public async Task<MostExpensive> MostExpensive(DateOnly from, DateOnly to)
    {
        var perDay = await Task.WhenAll(Dates(from, to).Select(d => grains.GetGrain<IAnalyticsDayGrain>(BusinessCalendar.Key(d)).MostExpensive()));
        var best = perDay.OfType<ExpensiveTask>().Aggregate((ExpensiveTask?)null, (b, t) => b is null || TaskRanking.MoreExpensive(t, b) ? t : b);
        return new MostExpensive(from, to, best);
    }

    private static IEnumerable<DateOnly> Dates(DateOnly from, DateOnly to)
    {
        BusinessCalendar.EnsureSupported(from, "from");
        BusinessCalendar.EnsureSupported(to, "to");
        if (to < from) throw DomainException.Invalid("to", "The range ends before it starts: to is before from.");
        if (to.DayNumber - from.DayNumber >= MaxRangeDays) throw DomainException.Invalid("to", $"A range is at most {MaxRangeDays} days.");
        for (var d = from; d <= to; d = d.AddDays(1)) yield return d;
    }
}
