namespace Ates.Runtime.Testing;

/// <summary>
/// A clock that moves only when told to. <see cref="Advance"/> fires every timer that falls due on the way, in due
/// order, with the clock set to each timer's due time, so tests move time instead of sleeping.
/// </summary>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _sync = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    public ManualTimeProvider() : this(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_sync) return _now;
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    public void Advance(TimeSpan delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delta, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_sync) target = _now + delta;
        while (true)
        {
            ManualTimer? due;
            lock (_sync)
            {
                due = _timers.Where(t => t.DueAt <= target).MinBy(t => t.DueAt);
                if (due is null)
                {
                    _now = target;
                    return;
                }
                if (due.DueAt > _now) _now = due.DueAt;
                if (due.Period > TimeSpan.Zero && due.Period != Timeout.InfiniteTimeSpan) due.DueAt += due.Period;
                else _timers.Remove(due);
            }
            due.Fire();
        }
    }

    private sealed class ManualTimer(ManualTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset DueAt;
        public TimeSpan Period;

        public void Fire() => callback(state);

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._sync)
            {
                clock._timers.Remove(this);
                if (dueTime == Timeout.InfiniteTimeSpan) return true;
                Period = period;
                if (dueTime == TimeSpan.Zero)
                {
                    if (period > TimeSpan.Zero && period != Timeout.InfiniteTimeSpan)
                    {
                        DueAt = clock._now + period;
                        clock._timers.Add(this);
                    }
                    ThreadPool.QueueUserWorkItem(_ => Fire());
                    return true;
                }
                DueAt = clock._now + dueTime;
                clock._timers.Add(this);
            }
            return true;
        }

        public void Dispose()
        {
            lock (clock._sync) clock._timers.Remove(this);
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
