namespace Ates.Runtime.Core;

/// <summary>
/// Admits one call at a time into an activation, or any number of read-only calls together, in arrival order.
/// A waiting writer blocks later readers so writers are never starved.
/// </summary>
internal sealed class TurnGate
{
    private readonly Lock _sync = new();
    private int _readers;
    private bool _writer;
    private Queue<Waiter>? _waiting;

    public ValueTask EnterAsync(bool readOnly)
    {
        lock (_sync)
        {
            if ((_waiting is null || _waiting.Count == 0) && CanTake(readOnly))
            {
                Take(readOnly);
                return ValueTask.CompletedTask;
            }

            var waiter = new Waiter(readOnly, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            (_waiting ??= new Queue<Waiter>()).Enqueue(waiter);
            return new ValueTask(waiter.Turn.Task);
        }
    }

    /// <summary>Takes the gate exclusively only if nobody holds it or waits for it (used by idle collection).</summary>
    public bool TryEnterExclusive()
    {
        lock (_sync)
        {
            if ((_waiting is null || _waiting.Count == 0) && CanTake(readOnly: false))
            {
                Take(readOnly: false);
                return true;
            }
            return false;
        }
    }

    public void Exit(bool readOnly)
    {
        Waiter first = default;
        List<Waiter>? more = null;
        lock (_sync)
        {
            if (readOnly) _readers--;
            else _writer = false;

            while (_waiting is { Count: > 0 } && CanTake(_waiting.Peek().ReadOnly))
            {
                var next = _waiting.Dequeue();
                Take(next.ReadOnly);
                if (first.Turn is null) first = next;
                else (more ??= []).Add(next);
                if (!next.ReadOnly) break;
            }
        }

        // Completed outside the lock; continuations run on the thread pool, never inside Exit.
        first.Turn?.SetResult();
        if (more is not null)
        {
            foreach (var waiter in more) waiter.Turn.SetResult();
        }
    }

    private bool CanTake(bool readOnly) => readOnly ? !_writer : !_writer && _readers == 0;

    private void Take(bool readOnly)
    {
        if (readOnly) _readers++;
        else _writer = true;
    }

    private readonly record struct Waiter(bool ReadOnly, TaskCompletionSource Turn);
}
