using Microsoft.Extensions.Logging;

namespace Ates.Runtime.Storage.Postgres;

/// <summary>
/// The newest part of the log, read once per silo for all its subscription partitions. Without it every partition of
/// every subscription queries the database after each commit (4 subscriptions × 16 partitions = 64 queries where one
/// does). A round reads everything visible after the last round in (tx, position) order; each partition keeps its
/// recent events and the position after which it holds them all, so a pump at or after that position is answered
/// from memory and one further behind (after a takeover, a rebuild) reads the database as before.
/// </summary>
/// <remarks>
/// Rounds follow the commits this silo hears of (its own, and other silos' through NOTIFY): a pump woken by a commit
/// waits for the round that covers it, then reads memory. A round that pauses <see cref="PostgresStoreOptions.TailLinger"/>
/// first serves every commit of that pause with one query. Events no commit announced (a lost NOTIFY, a foreign
/// writer) are found by a round a pump asks for when the tail has not looked for a while.
/// </remarks>
internal sealed class LogTail : IAsyncDisposable
{
    private const int PageSize = 4096;

    private readonly PostgresStore _store;
    private readonly PostgresStoreOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly List<RecordedEvent>[] _events;
    private readonly LogPosition[] _completeAfter;
    private readonly int _keepPerPartition;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _due = new(0, int.MaxValue);
    private TaskCompletionSource _round = NewRound();
    private LogPosition _head;
    private long _announced;   // commits heard of
    private long _covered;     // commits heard of before the last round's query began
    private long _lastRoundAt; // wall-clock timestamp of the last round's query
    private Task _loop = Task.CompletedTask;
    private bool _started;

    public LogTail(PostgresStore store, PostgresStoreOptions options, ILogger logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
        _events = Enumerable.Range(0, store.Partitions).Select(_ => new List<RecordedEvent>()).ToArray();
        _completeAfter = new LogPosition[store.Partitions];
        _keepPerPartition = Math.Max(256, options.TailEvents / store.Partitions);
    }

    /// <summary>A commit was made or heard of: the next round must cover it.</summary>
    public void Announce()
    {
        Interlocked.Increment(ref _announced);
        _due.Release();
    }

    /// <summary>
    /// The events of <paramref name="partition"/> after <paramref name="after"/> as of a round that began after every
    /// commit announced so far; null when the tail no longer holds that part of the log (the caller queries instead).
    /// </summary>
    public async Task<IReadOnlyList<RecordedEvent>?> ReadAsync(int partition, LogPosition after, int maxCount, CancellationToken ct)
    {
        await EnsureStartedAsync(ct).ConfigureAwait(false);
        var target = Volatile.Read(ref _announced);
        // Nothing announced for a while: look anyway, for events no commit announced.
        if (TimeProvider.System.GetElapsedTime(Volatile.Read(ref _lastRoundAt)) > _options.TailMaxAge) target = Interlocked.Increment(ref _announced);
        while (Volatile.Read(ref _covered) < target)
        {
            // Take the round before looking again: a round that finished in between is then seen as covered, not awaited.
            var round = Volatile.Read(ref _round);
            if (Volatile.Read(ref _covered) >= target) break;
            _due.Release();
            await round.Task.WaitAsync(ct).ConfigureAwait(false);
        }

        lock (_lock)
        {
            if (after < _completeAfter[partition]) return null;
            var events = _events[partition];
            var first = FirstAfter(events, after);
            var count = Math.Min(maxCount, events.Count - first);
            return count <= 0 ? [] : events.GetRange(first, count);
        }
    }

    private static int FirstAfter(List<RecordedEvent> events, LogPosition after)
    {
        int lo = 0, hi = events.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (events[mid].Position <= after) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private async Task EnsureStartedAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _started)) return;
        // The tail begins at the visible head: it holds nothing before it, so every partition is complete after it.
        var head = await _store.ReadHeadAsync(ct).ConfigureAwait(false);
        lock (_lock)
        {
            if (_started) return;
            _head = head;
            Array.Fill(_completeAfter, head);
            _lastRoundAt = TimeProvider.System.GetTimestamp();
            _loop = Task.Run(LoopAsync);
            Volatile.Write(ref _started, true);
        }
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _due.WaitAsync(_stop.Token).ConfigureAwait(false);
                // Let the commits of the next moment gather: one query serves them all.
                if (_options.TailLinger > TimeSpan.Zero) await Task.Delay(_options.TailLinger, TimeProvider.System, _stop.Token).ConfigureAwait(false);
                while (_due.CurrentCount > 0) await _due.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            var covering = Volatile.Read(ref _announced);
            var startedAt = TimeProvider.System.GetTimestamp();
            var round = Volatile.Read(ref _round);
            try
            {
                await ReadNewEventsAsync().ConfigureAwait(false);
                Volatile.Write(ref _lastRoundAt, startedAt);
                Volatile.Write(ref _covered, Math.Max(Volatile.Read(ref _covered), covering));
                Interlocked.Exchange(ref _round, NewRound());
                round.TrySetResult();
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested)
            {
                _logger.LogWarning(ex, "Reading the log's tail failed");
                Interlocked.Exchange(ref _round, NewRound());
                round.TrySetException(ex);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        Volatile.Read(ref _round).TrySetCanceled();
    }

    private async Task ReadNewEventsAsync()
    {
        while (true)
        {
            var page = await _store.ReadTailPageAsync(_head, PageSize, _stop.Token).ConfigureAwait(false);
            if (page.Count == 0) return;
            lock (_lock)
            {
                foreach (var e in page)
                {
                    var events = _events[e.Partition];
                    events.Add(e);
                    if (events.Count >= 2 * _keepPerPartition)
                    {
                        var dropped = events.Count - _keepPerPartition;
                        _completeAfter[e.Partition] = events[dropped - 1].Position;
                        events.RemoveRange(0, dropped);
                    }
                }
                _head = page[^1].Position;
            }
            if (page.Count < PageSize) return;
        }
    }

    private static TaskCompletionSource NewRound() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Stops the rounds; safe to call more than once (a store may be disposed by several owners).</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
    }
}
