using Ates.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ates.Storage.Journal;

/// <summary>
/// The newest events of one journal partition (what a subscription queue reads, <see cref="PartitionTails"/>) or of the
/// whole log (what the live feed reads), kept in memory on this silo, so a commit is read from the backend once however
/// many readers follow it; a reader behind the window reads the backend itself. Commits wake it (in-process after a
/// local commit, NOTIFY from other silos naming the partitions written); each refresh reads until the backend has
/// nothing newer, and when an announced commit is not visible yet (PostgreSQL shows nothing above the oldest running
/// transaction) it looks again shortly. While it has readers it also reads once a second unasked, since a commit can
/// stay hidden longer than the quick rechecks (held back by a write that is no append) or its NOTIFY can be lost, and
/// then no later wake-up may come. Readers <see cref="Attach"/> while they read; when the last one leaves (its queue
/// went to another silo, the last live feed closed), the tail stops reading and forgets its window, so a silo reads
/// only what someone on it follows. The first reader places the window where it is.
/// </summary>
public sealed class JournalTail : IAsyncDisposable
{
    private const int RefreshPage = 1024;
    private const int MaxPagesAhead = 4;
    private static readonly TimeSpan IdleRead = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan[] Rechecks = [TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(5),
        TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100)];

    private readonly Func<JournalPosition, int, CancellationToken, Task<IReadOnlyList<JournalEvent>>> _read;
    private readonly string _what;
    private readonly int _capacity;
    private readonly ILogger _logger;
    private readonly Lock _sync = new();
    private readonly List<JournalEvent> _window = [];
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly IDisposable _subscription;
    private readonly CancellationTokenSource _stop = new();
    private JournalPosition _windowStart;
    private JournalPosition _head;
    private bool _initialized;
    private long _announced;
    private long _refreshedThrough;
    private TaskCompletionSource _moved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _recheckRunning;
    private long _lastRefresh = System.Diagnostics.Stopwatch.GetTimestamp();
    private int _readers;

    private JournalTail(Func<JournalPosition, int, CancellationToken, Task<IReadOnlyList<JournalEvent>>> read, Func<Action, IDisposable> onCommit, string what,
        int capacity, ILogger logger)
    {
        _read = read;
        _what = what;
        _capacity = capacity;
        _logger = logger;
        _subscription = onCommit(Announce);
        _ = ReadWhenIdleAsync();
    }

    /// <summary>A tail of one partition, woken by commits that wrote to it.</summary>
    public static JournalTail OfPartition(IJournalStore store, int partition, int capacity = 8192, ILogger? logger = null)
    {
        var mine = JournalPartitions.SetOf(partition);
        return new JournalTail((after, max, ct) => store.ReadPartitionAsync(partition, after, max, ct),
            wake => store.OnPartitionsAppended(partitions =>
            {
                if ((partitions & mine) != 0) wake();
            }), $"partition {partition}", capacity, logger ?? NullLogger.Instance);
    }

    /// <summary>A tail of the whole log, in commit order, woken by every commit.</summary>
    public static JournalTail OfLog(IEventJournal journal, int capacity = 65_536, ILogger? logger = null) =>
        new(journal.ReadLogAsync, journal.OnAppended, "the log", capacity, logger ?? NullLogger.Instance);

    /// <summary>A reader (a subscription's queue of this partition) starts reading here.</summary>
    public void Attach() => Interlocked.Increment(ref _readers);

    /// <summary>A reader stops (its queue was handed back); the last one to leave stops the tail and empties it.</summary>
    public void Detach()
    {
        if (Interlocked.Decrement(ref _readers) > 0) return;
        lock (_sync)
        {
            if (Volatile.Read(ref _readers) > 0) return;
            _initialized = false;
            _window.Clear();
        }
    }

    /// <summary>The newest position this tail has seen.</summary>
    public JournalPosition Head
    {
        get
        {
            lock (_sync) return _head;
        }
    }

    /// <summary>Events after <paramref name="after"/> in commit order, from memory when the window covers them.</summary>
    public async Task<IReadOnlyList<JournalEvent>> ReadAsync(JournalPosition after, int maxCount, CancellationToken ct = default)
    {
        lock (_sync)
        {
            // The first reader places the window: it starts where that reader is and fills from there.
            if (!_initialized)
            {
                _windowStart = _head = after;
                _initialized = true;
                Interlocked.Increment(ref _announced);
            }
        }
        // A reader with a full page ahead of it in the window reads it as it is; one near the head refreshes first.
        if (Window(after, maxCount) is { Count: var ahead } page && ahead == maxCount) return page;
        await RefreshIfAnnouncedAsync(ct).ConfigureAwait(false);
        if (Window(after, maxCount) is { } fresh) return fresh;
        return await _read(after, maxCount, ct).ConfigureAwait(false);
    }

    /// <summary>What the window holds after <paramref name="after"/>, or null when the window starts after it.</summary>
    private List<JournalEvent>? Window(JournalPosition after, int maxCount)
    {
        lock (_sync)
        {
            if (after < _windowStart) return null;
            var from = FirstAfter(after);
            return from >= _window.Count ? [] : _window.GetRange(from, Math.Min(maxCount, _window.Count - from));
        }
    }

    /// <summary>
    /// What follows <paramref name="after"/> as far as this tail has read it: how many events, and when
    /// the first of them occurred. Null when the tail does not reach back that far (then at least the window's count follows).
    /// </summary>
    public (int Count, DateTimeOffset? Earliest)? Following(JournalPosition after)
    {
        lock (_sync)
        {
            if (!_initialized || after < _windowStart) return null;
            var from = FirstAfter(after);
            return (_window.Count - from, from < _window.Count ? _window[from].Metadata.OccurredAt : null);
        }
    }

    /// <summary>Completes when the journal holds something after <paramref name="after"/> (for this tail), or after <paramref name="timeout"/>.</summary>
    public async Task WaitForNewerAsync(JournalPosition after, TimeSpan timeout, CancellationToken ct = default)
    {
        await RefreshIfAnnouncedAsync(ct).ConfigureAwait(false);
        Task moved;
        lock (_sync)
        {
            if (_initialized && _head > after) return;
            moved = _moved.Task;
        }
        try
        {
            await moved.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        await RefreshIfAnnouncedAsync(ct).ConfigureAwait(false);
    }

    private async Task ReadWhenIdleAsync()
    {
        using var timer = new PeriodicTimer(IdleRead);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                // Nobody reads through this tail, or it has read within the second: nothing to do.
                if (!_initialized || Volatile.Read(ref _readers) == 0 || System.Diagnostics.Stopwatch.GetElapsedTime(Volatile.Read(ref _lastRefresh)) < IdleRead) continue;
                try
                {
                    Interlocked.Increment(ref _announced);
                    await RefreshAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogWarning(ex, "Reading the newest events of {Tail} failed; the next commit or second tries again", _what);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Announce()
    {
        Interlocked.Increment(ref _announced);
        // Wake waiters, who refresh; when nobody waits, the next reader refreshes.
        Wake();
    }

    private void Wake()
    {
        TaskCompletionSource moved;
        lock (_sync) (moved, _moved) = (_moved, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        moved.TrySetResult();
    }

    private Task RefreshIfAnnouncedAsync(CancellationToken ct) =>
        _initialized && Volatile.Read(ref _refreshedThrough) >= Volatile.Read(ref _announced) ? Task.CompletedTask : RefreshAsync(ct);

    private async Task RefreshAsync(CancellationToken ct)
    {
        if (!_initialized) return;
        await _refreshing.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var announced = Volatile.Read(ref _announced);
            if (_refreshedThrough >= announced) return;
            var grew = false;
            var more = false;
            for (var pages = 0; ; pages++)
            {
                // A refresh reads ahead of its readers by a few pages at most; readers that reach the head refresh again.
                if (pages == MaxPagesAhead)
                {
                    more = true;
                    break;
                }
                var page = await _read(Head, RefreshPage, ct).ConfigureAwait(false);
                if (page.Count > 0)
                {
                    grew = true;
                    Append(page);
                }
                if (page.Count < RefreshPage) break;
            }
            if (!more) Volatile.Write(ref _refreshedThrough, announced);
            Volatile.Write(ref _lastRefresh, System.Diagnostics.Stopwatch.GetTimestamp());
            if (grew) Wake(); // readers waiting on the head see it moved
            else StartRecheck();
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>A commit was announced but nothing new is visible yet: look again a few times, quickly.</summary>
    private void StartRecheck()
    {
        if (Interlocked.Exchange(ref _recheckRunning, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            try
            {
                var before = Head;
                foreach (var delay in Rechecks)
                {
                    await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                    Interlocked.Increment(ref _announced);
                    await RefreshAsync(_stop.Token).ConfigureAwait(false);
                    if (Head > before) return;
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Reading the newest events of {Tail} failed; the next commit or reader tries again", _what);
            }
            finally
            {
                Volatile.Write(ref _recheckRunning, 0);
            }
        });
    }

    private void Append(IReadOnlyList<JournalEvent> page)
    {
        lock (_sync)
        {
            if (!_initialized) return; // the last reader left while this page was on its way
            _window.AddRange(page);
            _head = page[^1].Position;
            if (_window.Count > _capacity)
            {
                var drop = _window.Count - _capacity;
                _windowStart = _window[drop - 1].Position;
                _window.RemoveRange(0, drop);
            }
        }
    }

    private int FirstAfter(JournalPosition after)
    {
        int lo = 0, hi = _window.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_window[mid].Position <= after) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    public ValueTask DisposeAsync()
    {
        _subscription.Dispose();
        _stop.Cancel();
        return ValueTask.CompletedTask;
    }
}
