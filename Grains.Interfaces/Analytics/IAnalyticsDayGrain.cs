using Orleans.Concurrency;

namespace Ates.Grains.Interfaces;

/// <summary>One business day of analytics (key "yyyy-MM-dd"): management earnings and the most expensive task.</summary>
[Alias("ates.analytics-day")]
public interface IAnalyticsDayGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task<decimal> ManagementEarnings();

    [ReadOnly]
    Task<ExpensiveTask?> MostExpensive();
}
