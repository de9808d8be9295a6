using Orleans.Concurrency;

namespace Ates.Grains.Interfaces;

/// <summary>Closes each business day after it ends, by a reminder ("default").</summary>
[Alias("ates.billing-clock")]
public interface IBillingClockGrain : IGrainWithStringKey
{
    /// <summary>Registers the reminder and closes at once whatever ended while no silo ran.</summary>
    Task Start();

    /// <summary>Closes every business day that has ended and is not closed yet, in order (what the reminder does).</summary>
    [ResponseTimeout("00:30:00")]
    Task Tick();

    /// <summary>
    /// Closes <paramref name="date"/> (an admin's close), closing every earlier unclosed day first; a closed day
    /// returns its recorded result. Invalid for a day that has not ended or lies before <see cref="FirstDay"/>.
    /// </summary>
    [ResponseTimeout("00:30:00")]
    Task<CloseDayResult> CloseThrough(DateOnly date);

    [ReadOnly]
    Task<DateOnly?> ClosedThrough();

    /// <summary>The first business day: the day Ates first started (known once a silo has started the clock).</summary>
    [ReadOnly]
    Task<DateOnly?> FirstDay();
}
