using Orleans.Concurrency;

namespace Ates.Grains.Interfaces;

/// <summary>One business day of accounting (key "yyyy-MM-dd"): totals from the ledger, and the day close.</summary>
[Alias("ates.billing-day")]
public interface IBillingDayGrain : IGrainWithStringKey
{
    [ReadOnly]
    Task<DayDto> Get();

    /// <remarks>Pays every account of the day; many thousands take longer than Orleans' default response timeout.</remarks>
    [ResponseTimeout("00:05:00")]
    Task<CloseDayResult> Close();
}
