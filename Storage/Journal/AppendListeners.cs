namespace Ates.Storage.Journal;

/// <summary>
/// The callbacks a journal calls after each commit: whole-log readers (<see cref="Add(Action)"/>) and partition readers,
/// told which partitions the commit wrote to. Registering and calling are lock-free for the writer.
/// </summary>
internal sealed class AppendListeners
{
    private readonly Lock _sync = new();
    private Action<int>[] _listeners = [];

    public IDisposable Add(Action listener) => Add(_ => listener());

    public IDisposable Add(Action<int> listener)
    {
        lock (_sync) _listeners = [.. _listeners, listener];
        return new Registration(this, listener);
    }

    /// <param name="partitions">The partitions written to, a bit each (<see cref="Ates.Journal.JournalPartitions.All"/> when unknown).</param>
    public void Notify(int partitions)
    {
        foreach (var listener in Volatile.Read(ref _listeners))
        {
            try
            {
                listener(partitions);
            }
            catch
            {
                // A wake-up must never break the writer that calls it.
            }
        }
    }

    private sealed class Registration(AppendListeners owner, Action<int> listener) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._sync) owner._listeners = owner._listeners.Where(l => l != listener).ToArray();
        }
    }
}
