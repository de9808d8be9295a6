namespace Ates.Storage.Journal;

/// <summary>The callbacks a journal calls after each commit; registering and calling are lock-free for the writer.</summary>
internal sealed class AppendListeners
{
    private readonly Lock _sync = new();
    private Action[] _listeners = [];

    public IDisposable Add(Action listener)
    {
        lock (_sync) _listeners = [.. _listeners, listener];
        return new Registration(this, listener);
    }

    public void Notify()
    {
        foreach (var listener in Volatile.Read(ref _listeners))
        {
            try
            {
                listener();
            }
            catch
            {
                // A wake-up must never break the writer that calls it.
            }
        }
    }

    private sealed class Registration(AppendListeners owner, Action listener) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._sync) owner._listeners = owner._listeners.Where(l => l != listener).ToArray();
        }
    }
}
