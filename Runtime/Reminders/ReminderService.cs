using Ates.Runtime.Core;
using Ates.Runtime.Streams;
using Microsoft.Extensions.Logging;

namespace Ates.Runtime.Reminders;

/// <summary>
/// Fires the reminders of the partitions this silo leases. A reminder that fell due while no silo ran is due now,
/// so it fires on the first pass after start. Ticks are at-least-once: the next due time is stored after the tick.
/// </summary>
internal sealed class ReminderService
{
    private readonly GrainRuntime _runtime;
    private readonly IAtesStore _store;
    private readonly RuntimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly WakeSignal _wake = new();
    private readonly Lock _sync = new();
    private readonly HashSet<int> _owned = [];

    public ReminderService(GrainRuntime runtime, IAtesStore store, RuntimeOptions options, TimeProvider time, ILogger<ReminderService> logger)
    {
        _runtime = runtime;
        _store = store;
        _options = options;
        _time = time;
        _logger = logger;
        runtime.RemindersChanged += _wake.Set;
    }

    public void Own(int partition)
    {
        lock (_sync) _owned.Add(partition);
        _wake.Set();
    }

    public void Disown(int partition)
    {
        lock (_sync) _owned.Remove(partition);
    }

    public async Task RunAsync(CancellationToken stop)
    {
        // One periodic timer, created before the first pass: a due reminder fires within one refresh period,
        // and no wake-up depends on a delay computed from an earlier reading of the clock.
        using var refresh = _time.CreateTimer(_ => _wake.Set(), null, _options.ReminderRefresh, _options.ReminderRefresh);
        while (!stop.IsCancellationRequested)
        {
            _wake.Rearm();
            var now = _time.GetUtcNow();
            int[] owned;
            lock (_sync) owned = [.. _owned];
            try
            {
                foreach (var partition in owned)
                {
                    foreach (var reminder in await _store.ReadRemindersAsync(partition, stop).ConfigureAwait(false))
                    {
                        if (reminder.DueAt <= now) await FireAsync(reminder, now).ConfigureAwait(false);
                    }
                }
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "Reminder pass failed; trying again");
            }
            await _wake.Current.WaitAsync(stop).ConfigureAwait(false);
        }
    }

    private async Task FireAsync(ReminderEntry reminder, DateTimeOffset now)
    {
        try
        {
            await _runtime.GetGrain<IRemindable>(reminder.Grain)
                .ReceiveReminder(reminder.Name, new TickStatus(reminder.DueAt, reminder.Period, now)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Reminder {Name} of {Grain} failed", reminder.Name, reminder.Grain);
            if (reminder.Period == TimeSpan.Zero) return; // a one-shot reminder stays until a tick succeeds
        }

        if (reminder.Period == TimeSpan.Zero)
        {
            await _store.RemoveReminderAsync(reminder.Grain, reminder.Name, reminder.ETag).ConfigureAwait(false);
            return;
        }
        // Missed ticks are skipped, as in Orleans: the next one is the first period boundary after now.
        var missed = (now - reminder.DueAt).Ticks / reminder.Period.Ticks + 1;
        var nextDue = reminder.DueAt + TimeSpan.FromTicks(reminder.Period.Ticks * missed);
        await _store.TryUpdateReminderAsync(reminder with { DueAt = nextDue, ETag = Guid.NewGuid() }, reminder.ETag).ConfigureAwait(false);
    }
}
