using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Runtime;
using Microsoft.Extensions.Logging;

namespace Ates.Grains;

public sealed class BillingClockState
{
    public DateOnly? ClosedThrough { get; set; }
}

/// <summary>
/// Rule 6's trigger: a durable reminder that, every check period, closes each business day that has ended and is not
/// closed yet, in order. A day that ended while no silo ran is closed at the next start, when the overdue reminder fires.
/// </summary>
[GrainType("billingclock")]
public sealed class BillingClockGrain(BusinessCalendar calendar, DomainOptions options, ILogger<BillingClockGrain> logger)
    : JournaledGrain<BillingClockState, BillingClockAdvanced>, IBillingClockGrain, IRemindable
{
    private const string Reminder = "close-days";

    protected override BillingClockState Apply(BillingClockState state, BillingClockAdvanced e)
    {
        state.ClosedThrough = e.Through;
        return state;
    }

    public async Task Start()
    {
        // Nothing happened before the first start, so there is nothing before today to close.
        await RunCommand(() =>
        {
            if (State.ClosedThrough is null) RaiseEvent(new BillingClockAdvanced(calendar.Today.AddDays(-1)));
        }, DomainSubscriptions.ConsumerAttempts);
        if ((await GetReminders()).All(r => r.Name != Reminder))
        {
            await RegisterOrUpdateReminder(Reminder, options.DayCloseCheckPeriod, options.DayCloseCheckPeriod);
        }
    }

    public async Task<DateOnly?> ClosedThrough()
    {
        await RefreshAsync();
        return State.ClosedThrough;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        await RefreshAsync();
        var today = calendar.Today;
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
            await RunCommand(() =>
            {
                if (State.ClosedThrough < closed) RaiseEvent(new BillingClockAdvanced(closed));
            }, DomainSubscriptions.ConsumerAttempts);
        }
    }
}
