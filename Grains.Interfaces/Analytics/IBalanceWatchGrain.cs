using Orleans.Concurrency;

namespace Ates.Grains.Interfaces;

/// <summary>The latest balance of every account, for "how many are negative now" ("default").</summary>
[Alias("ates.balance-watch")]
public interface IBalanceWatchGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task<int> NegativeBalances();
}
