namespace Ates.Grains;

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
}

/// <summary>Where randomness comes from (assignees, prices); tests give it a seed.</summary>
public sealed class RandomSource(Random random)
{
    private readonly Lock _sync = new();

    public static RandomSource Shared() => new(Random.Shared);

    public int Next(int minInclusive, int maxExclusive)
    {
        lock (_sync) return random.Next(minInclusive, maxExclusive);
    }

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(0, items.Count)];
}

/// <summary>Rule 2: prices are fixed once, at creation — uniform whole dollars, both ends included.</summary>
public static class Pricing
{
    public const int MinAssignFee = 10;
    public const int MaxAssignFee = 20;
    public const int MinReward = 20;
    public const int MaxReward = 40;

    public static decimal DrawAssignFee(RandomSource random) => random.Next(MinAssignFee, MaxAssignFee + 1);

    public static decimal DrawReward(RandomSource random) => random.Next(MinReward, MaxReward + 1);
}
