using Ates.Grains.EventSourcing;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Microsoft.Extensions.Logging;

namespace Ates.Grains;

public sealed class BillingClockState
{
    public DateOnly? ClosedThrough { get; set; }
}

/// <summary>
/// Rule 6's trigger: an Orleans reminder that, every check period, closes each business day that has ended and is not
/// closed yet, in order. <see cref="Start"/> runs when a silo starts: it registers the reminder and closes at once what
/// ended while no silo ran (in embedded mode reminders live in memory, so the clock catches up from its own state).
/// </summary>
[GrainType("billingclock")]
public sealed class BillingClockGrain(DomainOptions options, ILogger<BillingClockGrain> logger)
    : EventSourcedGrain<BillingClockState, BillingClockAdvanced>, IBillingClockGrain, IRemindable
{
    private const string Reminder = "close-days";

    protected override void TransitionState(BillingClockState state, BillingClockAdvanced e) => state.ClosedThrough = e.Through;

    public async Task Start()
    {
        // Nothing happened before the first start, so there is nothing before today to close.
        await Decide(() =>
        {
            if (State.ClosedThrough is null) Raise(new BillingClockAdvanced(Calendar.Today.AddDays(-1)));
        });
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

    public Task ReceiveReminder(string reminderName, TickStatus status) => Tick();

    public async Task Tick()
    {
        var today = Calendar.Today;
        for (var date = State.ClosedThrough!.Value.AddDays(1); date < today; date = date.AddDays(1))
        {
            try
            {
                await GrainFactory.GetGrain<IBillingDayGrain>(BusinessCalendar.Key(date)).Close();
            }
            catch (DomainException ex) when (ex.Error == DomainError.Conflict)
            {
                logger.LogInformation("Day {Date} not closed yet: {Reason}", date, ex.Message);
                return; // billing is behind; the next tick tries again
            }
            var closed = date;
            await Decide(() =>
            {
                if (State.ClosedThrough < closed) Raise(new BillingClockAdvanced(closed));
            }, DomainSubscriptions.ConsumerAttempts);
        }
    }
}
