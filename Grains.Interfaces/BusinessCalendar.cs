namespace Ates.Grains.Interfaces;

/// <summary>Business days in the configured time zone (default UTC): which day an instant falls on, and when a day starts.</summary>
public sealed class BusinessCalendar(TimeZoneInfo zone, TimeProvider time)
{
    public TimeZoneInfo Zone { get; } = zone;

    public DateOnly DateOf(DateTimeOffset instant) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, Zone).DateTime);

    /// <summary>Now, on the domain's clock (tests move it).</summary>
    public DateTimeOffset Now => time.GetUtcNow();

    public DateOnly Today => DateOf(time.GetUtcNow());

    /// <summary>The instant the day begins (local midnight), as UTC.</summary>
    public DateTimeOffset StartOf(DateOnly date)
    {
        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(local, Zone.GetUtcOffset(local)).ToUniversalTime();
    }

    public bool HasEnded(DateOnly date) => time.GetUtcNow() >= StartOf(date.AddDays(1));

    public static string Key(DateOnly date) => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    public static DateOnly ParseKey(string key) => DateOnly.ParseExact(key, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

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
}

/// <summary>Rule 9's order of tasks by price: the one analytics calls the most expensive.</summary>
public static class TaskRanking
{
    /// <summary>Highest reward wins; on a tie the earlier completion, then the smaller task id, so every silo picks the same one.</summary>
    public static bool MoreExpensive(ExpensiveTask candidate, ExpensiveTask current) =>
        candidate.Reward != current.Reward ? candidate.Reward > current.Reward
        : candidate.CompletedAt != current.CompletedAt ? candidate.CompletedAt < current.CompletedAt
        : candidate.Id.CompareTo(current.Id) < 0;
}
