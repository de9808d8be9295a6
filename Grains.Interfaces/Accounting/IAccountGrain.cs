using Orleans.Concurrency;

namespace Ates.Grains.Interfaces;

/// <summary>A user's account: a ledger of assign fees, rewards and payouts, fed by the billing subscription.</summary>
[Alias("ates.account")]
public interface IAccountGrain : IGrainWithGuidKey
{
    [ReadOnly]
    Task<AccountDto> Get();

    [ReadOnly]
    Task<IReadOnlyList<EntryDto>> Log(DateOnly? from, DateOnly? to);

    /// <summary>
    /// The balance as of <paramref name="at"/>, by the day close's rule: a fee or reward counts from its task event's
    /// time, a payout from the end of the day it paid, whenever it was recorded.
    /// </summary>
    [ReadOnly]
    Task<AccountDto> GetAt(DateTimeOffset at);

    /// <summary>The entries that count as of <paramref name="at"/>, newest first, each with the balance after it as of then.</summary>
    [ReadOnly]
    Task<IReadOnlyList<EntryDto>> LogAt(DateTimeOffset at, DateOnly? from, DateOnly? to);

    /// <summary>The balance as of each of these moments (by the same rule as <see cref="GetAt"/>), in the order given.</summary>
    [ReadOnly]
    Task<IReadOnlyList<decimal>> BalancesAt(IReadOnlyList<DateTimeOffset> moments);

    /// <summary>Pays out the balance as of the end of <paramref name="date"/> when it is positive; once per day, whatever happens.</summary>
    Task<PayoutResult> PayOut(DateOnly date);
}
