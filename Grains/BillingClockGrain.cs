using Ates.Grains.EventSourcing;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ates.Grains;

public sealed class BillingClockState
{
    public DateOnly? ClosedThrough { get; set; }

    /// <summary>The first business day: the day Ates first started. Nothing before it is closed or listed.</summary>
    public DateOnly? FirstDay { get; set; }
}

/// <summary>
/// Rule 6's trigger and its order: an Orleans reminder that, every check period, closes each business day that has ended
/// and is not closed yet, in order; an admin's close of a date goes through here too, so days always close in order
/// (a day's payout is the balance as of its end, which counts the payouts of the days before it). <see cref="Start"/> runs when a silo starts: it registers the reminder and closes at once what
/// ended while no silo ran (in embedded mode reminders live in memory, so the clock catches up from its own state).
/// </summary>
[GrainType("billingclock")]
public sealed class BillingClockGrain(DomainOptions options, ILogger<BillingClockGrain> logger)
    : EventSourcedGrain<BillingClockState, BillingClockAdvanced>, IBillingClockGrain, IRemindable
{
    private const string Reminder = "close-days";

    protected override void TransitionState(BillingClockState state, BillingClockAdvanced e)
    {
        state.FirstDay ??= e.Through.AddDays(1);
        state.ClosedThrough = e.Through;
    }

    public async Task Start()
    {
        await EnsureFirstDayAsync();
        await this.RegisterOrUpdateReminder(Reminder, options.DayCloseCheckPeriod, options.DayCloseCheckPeriod);
        // Catch up after this call, so a silo's start never waits for a day close.
        _ = CatchUpLaterAsync(this.AsReference<IBillingClockGrain>());
    }

    private async Task CatchUpLaterAsync(IBillingClockGrain self)
    {
        try
        {
            await self.Tick();
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Closing the days that ended while no silo ran failed; the reminder tries again");
        }
    }

    public Task<DateOnly?> ClosedThrough() => Task.FromResult(State.ClosedThrough);

    public Task<DateOnly?> FirstDay() => Task.FromResult(State.FirstDay);

    public Task ReceiveReminder(string reminderName, TickStatus status) => Tick();

    public async Task Tick()
    {
        var yesterday = Calendar.Today.AddDays(-1);
        try
        {
            await CloseInOrderAsync(yesterday);
        }
        catch (DomainException ex) when (ex.Error == DomainError.Conflict)
        {
            logger.LogInformation("Not every ended day is closed yet: {Reason}", ex.Message);
        }
    }

    public async Task<CloseDayResult> CloseThrough(DateOnly date)
    {
        BusinessCalendar.EnsureSupported(date);
        var first = await EnsureFirstDayAsync();
        if (date < first)
            throw DomainException.Invalid("date", $"Ates started on {BusinessCalendar.Key(first)}; there is nothing to close before that day.");
        if (!Calendar.HasEnded(date))
            throw DomainException.Invalid("date", $"{BusinessCalendar.Key(date)} has not ended yet; a day closes once it is over.");
        await CloseInOrderAsync(date);
        return await Day(date).Close(); // closed already: the recorded result, unchanged
    }

    /// <summary>Closes every unclosed day up to <paramref name="through"/>, oldest first; stops at the first that cannot close yet.</summary>
    private async Task CloseInOrderAsync(DateOnly through)
    {
        await EnsureFirstDayAsync();
        for (var date = State.ClosedThrough!.Value.AddDays(1); date <= through; date = date.AddDays(1))
        {
            await Day(date).Close(); // a Conflict (billing is behind) ends the walk; the days after it wait
            var closed = date;
            await Decide(() =>
            {
                if (State.ClosedThrough < closed) Raise(new BillingClockAdvanced(closed));
            }, DomainSubscriptions.ConsumerAttempts);
        }
    }

    private async Task<DateOnly> EnsureFirstDayAsync()
    {
        // Nothing happened before the first start, so there is nothing before today to close.
        await Decide(() =>
        {
            if (State.ClosedThrough is null) Raise(new BillingClockAdvanced(Calendar.Today.AddDays(-1)));
        });
        if (State.FirstDay is null)
        {
            // A snapshot taken before the first day was kept: the clock's first event says it.
            var first = (await JournalLog.ReadConfirmedAsync(0, 1)).Single();
            var serializer = ServiceProvider.GetRequiredService<Ates.Journal.IEventSerializer>();
            State.FirstDay = ((BillingClockAdvanced)serializer.Deserialize(first)).Through.AddDays(1);
        }
        return State.FirstDay.Value;
    }

    private IBillingDayGrain Day(DateOnly date) => GrainFactory.GetGrain<IBillingDayGrain>(BusinessCalendar.Key(date));
}
