namespace Ates.Grains;

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
