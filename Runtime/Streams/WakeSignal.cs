namespace Ates.Runtime.Streams;

/// <summary>An async auto-reset signal: <see cref="Rearm"/> before looking for work, then wait on <see cref="Current"/>,
/// so a <see cref="Set"/> between the look and the wait is never lost.</summary>
internal sealed class WakeSignal
{
    private TaskCompletionSource _current = New();

    public Task Current => Volatile.Read(ref _current).Task;

    public void Set() => Volatile.Read(ref _current).TrySetResult();

    public void Rearm()
    {
        var current = Volatile.Read(ref _current);
        if (current.Task.IsCompleted) Interlocked.CompareExchange(ref _current, New(), current);
    }

    /// <summary>Waits for a Set or the timeout, whichever is first; false on timeout.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        try
        {
            await Current.WaitAsync(timeout, time, ct).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
