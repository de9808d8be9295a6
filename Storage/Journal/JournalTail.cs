using Ates.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ates.Storage.Journal;

/// <summary>
/// The newest part of the journal, kept in memory once per silo (DESIGN.md "The journal"): every subscription queue, the
/// live feed and the task board read the log through it, so a commit is read from the backend once per silo however
/// many readers follow it. A reader behind the window reads the backend directly. Commits wake it (in-process after a
/// local commit, NOTIFY from other silos); each refresh reads until the backend has nothing newer, and when an
/// announced commit is not visible yet (PostgreSQL shows nothing above the oldest running transaction) it looks again
/// shortly, so lag is a few milliseconds, not a polling period. And once a second without a refresh it reads anyway:
/// a commit can stay hidden longer than the quick rechecks (held back by a write that is no append and announces
/// nothing: a checkpoint, Orleans' heartbeat, autovacuum's analyze) or its NOTIFY can be lost, and then no later
/// wake-up may come.
/// </summary>
public sealed class JournalTail : IAsyncDisposable
{
    private const int RefreshPage = 2048;
    private static readonly TimeSpan IdleRead = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan[] Rechecks = [TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(5),
        TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100)];

    private readonly IEventJournal _journal;
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

    public JournalTail(IEventJournal journal, int capacity = 65_536, ILogger<JournalTail>? logger = null)
    {
        _journal = journal;
        _capacity = capacity;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _subscription = journal.OnAppended(Announce);
        _ = ReadWhenIdleAsync();
    }

    private async Task ReadWhenIdleAsync()
    {
        using var timer = new PeriodicTimer(IdleRead);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                // Nobody reads through this tail yet, or it has read within the second: nothing to do.
                if (!_initialized || System.Diagnostics.Stopwatch.GetElapsedTime(Volatile.Read(ref _lastRefresh)) < IdleRead) continue;
                try
                {
                    Interlocked.Increment(ref _announced);
                    await RefreshAsync(_stop.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogWarning(ex, "Reading the journal's newest events failed; the next commit or second tries again");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>The newest position this silo has seen.</summary>
    public JournalPosition Head
    {
        get
        {
            lock (_sync) return _head;
        }
    }

    /// <summary>The newest position readers can see now.</summary>
    public async Task<JournalPosition> ReadHeadAsync(CancellationToken ct = default)
    {
        await RefreshIfAnnouncedAsync(ct).ConfigureAwait(false);
        return Head;
    }

    /// <summary>Events after <paramref name="after"/> in commit order, from memory when the window covers them.</summary>
    public async Task<IReadOnlyList<JournalEvent>> ReadAsync(JournalPosition after, int maxCount, CancellationToken ct = default)
    {
        await RefreshIfAnnouncedAsync(ct).ConfigureAwait(false);
        lock (_sync)
        {
            if (_initialized && after >= _windowStart)
            {
                var from = FirstAfter(after);
                return from >= _window.Count ? [] : _window.GetRange(from, Math.Min(maxCount, _window.Count - from));
            }
        }
        return await _journal.ReadLogAsync(after, maxCount, ct).ConfigureAwait(false);
    }

    /// <summary>Completes when the journal holds something after <paramref name="after"/>, or after <paramref name="timeout"/>.</summary>
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
        await _refreshing.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var announced = Volatile.Read(ref _announced);
            if (_initialized && _refreshedThrough >= announced) return;
            if (!_initialized)
            {
                var head = await _journal.ReadHeadAsync(ct).ConfigureAwait(false);
                lock (_sync)
                {
                    _windowStart = _head = head;
                    _initialized = true;
                }
            }
            var grew = false;
            while (true)
            {
                var page = await _journal.ReadLogAsync(Head, RefreshPage, ct).ConfigureAwait(false);
                if (page.Count > 0)
                {
                    grew = true;
                    Append(page);
                }
                if (page.Count < RefreshPage) break;
            }
            Volatile.Write(ref _refreshedThrough, announced);
            Volatile.Write(ref _lastRefresh, System.Diagnostics.Stopwatch.GetTimestamp());
            if (grew) Wake(); // readers waiting on the head see it moved
            else if (announced > 0) StartRecheck();
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
                _logger.LogWarning(ex, "Reading the journal's newest events failed; the next commit or reader tries again");
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
