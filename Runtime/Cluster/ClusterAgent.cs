using Ates.Runtime.Reminders;
using Ates.Runtime.Streams;
using Microsoft.Extensions.Logging;

namespace Ates.Runtime.Cluster;

/// <summary>
/// A silo's part in the cluster: heartbeats its membership row, renews its leases, and decides which leases it
/// should hold. The intended owner of a lease is the live silo that ranks highest for it (rendezvous hashing over
/// the membership table), so silos agree without talking to each other; the lease itself is what makes ownership
/// exclusive. Each held lease runs a worker: a subscription partition pump, or a reminder partition.
/// </summary>
internal sealed class ClusterAgent
{
    private readonly string _siloId;
    private readonly IAtesStore _store;
    private readonly RuntimeOptions _options;
    private readonly TimeProvider _time;
    private readonly ReminderService _reminders;
    private readonly EventDelivery _delivery;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<SubscriptionDefinition> _subscriptions;
    private readonly Dictionary<string, WakeSignal[]> _wakes = [];
    private readonly Dictionary<string, Worker> _workers = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _tickLock = new(1, 1);
    private readonly DateTimeOffset _startedAt;
    private ILeaseSession? _session;
    private IDisposable? _committed;
    private volatile bool _stopped;
    private volatile bool _killed;

    public ClusterAgent(string siloId, IAtesStore store, RuntimeOptions options, TimeProvider time, ReminderService reminders,
        EventDelivery delivery, IEnumerable<SubscriptionDefinition> subscriptions, ILogger logger)
    {
        _siloId = siloId;
        _store = store;
        _options = options;
        _time = time;
        _reminders = reminders;
        _delivery = delivery;
        _logger = logger;
        _subscriptions = subscriptions.ToList();
        _startedAt = time.GetUtcNow();
        foreach (var subscription in _subscriptions)
        {
            _wakes[subscription.Name] = Enumerable.Range(0, store.Partitions).Select(_ => new WakeSignal()).ToArray();
        }
    }

    public IReadOnlyCollection<string> HeldLeases
    {
        get
        {
            lock (_workers) return _workers.Keys.ToList();
        }
    }

    public static string SubscriptionLease(string subscription, int partition) => $"sub:{subscription}:{partition}";

    public static string ReminderLease(int partition) => $"reminders:{partition}";

    public async Task StartAsync(CancellationToken ct)
    {
        _session = await _store.OpenLeaseSessionAsync(_siloId, _options.LeaseTtl, ct).ConfigureAwait(false);
        _committed = _store.OnCommitted(partition =>
        {
            foreach (var wakes in _wakes.Values) wakes[partition].Set();
        });
        await TickAsync(SiloStatus.Active, ct).ConfigureAwait(false);
    }

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // The cadence is wall-clock even under a manual test clock: a frozen clock must not freeze rebalancing.
                // Lease expiry and liveness still follow the injected clock.
                await Task.Delay(_options.HeartbeatPeriod, TimeProvider.System, stop).ConfigureAwait(false);
                await TickAsync(SiloStatus.Active, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Cluster heartbeat failed; trying again");
            }
        }
    }

    /// <summary>One round: heartbeat, renew, then acquire what this silo should own and hand back what it should not.</summary>
    internal async Task TickAsync(SiloStatus status, CancellationToken ct)
    {
        await _tickLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            // A tick that queued behind StopAsync must not take back what the stop just handed over.
            if (_stopped) return;
            var now = _time.GetUtcNow();
            await _store.UpsertSiloAsync(new SiloEntry(_siloId, _options.SiloAddress, _startedAt, now, status), ct).ConfigureAwait(false);
            var held = await _session!.RenewAsync(ct).ConfigureAwait(false);
            var live = (await _store.ReadSilosAsync(ct).ConfigureAwait(false))
                .Where(s => s.Status == SiloStatus.Active && s.HeartbeatAt > now - _options.LeaseTtl)
                .Select(s => s.SiloId)
                .ToList();

            foreach (var lease in AllLeases())
            {
                var running = TryGetWorker(lease.Name, out var worker);
                // A worker being handed over finishes its current event on its own time; its lease stays renewed until then.
                if (running && worker!.Stopping) continue;
                var mine = status == SiloStatus.Active && OwnerOf(lease.Name, live) == _siloId;
                if (running && !held.Contains(lease.Name))
                {
                    // Expired (a long pause) or taken: its pump stops at the next event; take the lease again if free and ours.
                    _logger.LogWarning("Lost lease {Lease}", lease.Name);
                    await StopWorkerAsync(lease.Name, worker!, release: false).ConfigureAwait(false);
                    running = false;
                }
                else if (running && !mine)
                {
                    // Rebalancing: never wait here for a pump's current delivery, which may take up to a call timeout;
                    // heartbeats and renewals of every other lease must go on meanwhile.
                    HandOver(lease.Name, worker!);
                    continue;
                }
                if (!running && mine && await _session.TryAcquireAsync(lease.Name, ct).ConfigureAwait(false))
                {
                    StartWorker(lease);
                }
            }
        }
        finally
        {
            _tickLock.Release();
        }
    }

    private IEnumerable<(string Name, string? Subscription, int Partition)> AllLeases()
    {
        for (var p = 0; p < _store.Partitions; p++)
        {
            yield return (ReminderLease(p), null, p);
            foreach (var subscription in _subscriptions) yield return (SubscriptionLease(subscription.Name, p), subscription.Name, p);
        }
    }

    private string? OwnerOf(string lease, List<string> liveSilos)
    {
        if (liveSilos.Count == 0) return _siloId;
        string? best = null;
        var bestScore = 0UL;
        foreach (var silo in liveSilos)
        {
            var score = Score(silo, lease);
            if (best is null || score > bestScore || (score == bestScore && string.CompareOrdinal(silo, best) > 0)) (best, bestScore) = (silo, score);
        }
        return best;
    }

    private static ulong Score(string silo, string lease)
    {
        // FNV-1a 64 over both names, then a finalizer so that similar names spread.
        var hash = 14695981039346656037UL;
        foreach (var c in silo) hash = (hash ^ c) * 1099511628211UL;
        hash = (hash ^ '|') * 1099511628211UL;
        foreach (var c in lease) hash = (hash ^ c) * 1099511628211UL;
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        return hash;
    }

    private bool TryGetWorker(string lease, out Worker? worker)
    {
        lock (_workers) return _workers.TryGetValue(lease, out worker);
    }

    private void StartWorker((string Name, string? Subscription, int Partition) lease)
    {
        var stop = new CancellationTokenSource();
        Task run;
        if (lease.Subscription is null)
        {
            _reminders.Own(lease.Partition);
            run = Task.CompletedTask;
        }
        else
        {
            var subscription = _subscriptions.First(s => s.Name == lease.Subscription);
            var pump = new PartitionPump(subscription, lease.Partition, _session!, lease.Name, _wakes[subscription.Name][lease.Partition],
                _delivery, _store, _options, _time, _logger);
            run = Task.Run(() => KeepRunningAsync(pump, lease.Name, stop.Token));
        }
        lock (_workers) _workers[lease.Name] = new Worker(lease.Partition, lease.Subscription is null, stop, run);
    }

    private async Task KeepRunningAsync(PartitionPump pump, string lease, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested && _session!.IsHeld(lease))
        {
            try
            {
                await pump.RunAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Pump {Lease} failed; restarting it", lease);
                try
                {
                    await Task.Delay(_options.RetryBackoff, _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Stops a worker without waiting: the lease is released (and the slot freed) once its pump has finished.</summary>
    private void HandOver(string lease, Worker worker)
    {
        worker.Stopping = true;
        if (worker.IsReminders) _reminders.Disown(worker.Partition);
        worker.Stop.Cancel();
        _ = worker.Run.ContinueWith(async _ =>
        {
            try
            {
                // A killed silo releases nothing: what a crashed process leaves behind lapses by itself.
                if (!_killed) await _session!.ReleaseAsync(lease).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Releasing {Lease} failed; it lapses after its TTL", lease);
            }
            finally
            {
                lock (_workers)
                {
                    if (_workers.TryGetValue(lease, out var current) && current == worker) _workers.Remove(lease);
                }
            }
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
    }

    private async Task StopWorkerAsync(string lease, Worker worker, bool release)
    {
        if (worker.IsReminders) _reminders.Disown(worker.Partition);
        await worker.Stop.CancelAsync().ConfigureAwait(false);
        await worker.Run.ConfigureAwait(false);
        lock (_workers) _workers.Remove(lease);
        if (release) await _session!.ReleaseAsync(lease).ConfigureAwait(false);
    }

    /// <summary>Graceful: finish each pump's current event, move its checkpoint, release every lease, leave the membership.</summary>
    public async Task StopAsync()
    {
        _committed?.Dispose();
        await _tickLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _stopped = true;
            List<KeyValuePair<string, Worker>> workers;
            lock (_workers) workers = _workers.ToList();
            await Task.WhenAll(workers.Select(w => StopWorkerAsync(w.Key, w.Value, release: true))).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            await _store.UpsertSiloAsync(new SiloEntry(_siloId, _options.SiloAddress, _startedAt, now, SiloStatus.Dead)).ConfigureAwait(false);
            if (_session is not null) await _session.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _tickLock.Release();
        }
    }

    /// <summary>Abrupt: stop every worker where it stands, release nothing, leave the membership row to go stale.</summary>
    public void Kill()
    {
        _killed = true;
        _stopped = true;
        _committed?.Dispose();
        _session?.Abandon();
        lock (_workers)
        {
            foreach (var worker in _workers.Values) worker.Stop.Cancel();
            _workers.Clear();
        }
    }

    private sealed record Worker(int Partition, bool IsReminders, CancellationTokenSource Stop, Task Run)
    {
        public volatile bool Stopping;
    }
}
