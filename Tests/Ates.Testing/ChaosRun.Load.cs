using System.Text.Json;
using Ates.Grains.Interfaces;

namespace Ates.Testing;

// The load: people creating, completing and shuffling tasks through every entry point while faults strike.
public sealed partial class ChaosRun
{
    /// <summary>
    /// One logical creation: the same Idempotency-Key on every attempt, through whichever entry point is next, until it
    /// is acknowledged (or, after a minute, given up: then it was never promised).
    /// </summary>
    private async Task<bool> CreateAsync(string user, string title, CancellationToken stop)
    {
        var key = Guid.NewGuid().ToString();
        var deadline = _clock.Elapsed + TimeSpan.FromMinutes(1);
        while (_clock.Elapsed < deadline)
        {
            try
            {
                var task = await Client(user, AnyEntryPoint()).CreateTaskAsync(title, idempotencyKey: key);
                _created[task.Id] = title;
                var now = _clock.ElapsedTicks;
                var gap = now - Interlocked.Exchange(ref _lastCreation, now);
                lock (_gate)
                {
                    if (gap > _longestGap) (_longestGap, _longestGapStart) = (gap, now - gap);
                }
                return true;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException { Status: >= System.Net.HttpStatusCode.InternalServerError })
            {
                Interlocked.Increment(ref _failedRequests);
                if (stop.IsCancellationRequested) return false; // the run is over: this person stops asking
                await Task.Delay(200, CancellationToken.None); // a client's back-off before it retries with the same key
            }
        }
        Interlocked.Increment(ref _gaveUp);
        return false;
    }

    private async Task ManagerAsync(CancellationToken stop)
    {
        var lastShuffle = _clock.Elapsed;
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            if (_clock.Elapsed - lastShuffle > TimeSpan.FromSeconds(10))
            {
                lastShuffle = _clock.Elapsed;
                try
                {
                    await Client("manager", AnyEntryPoint(), TimeSpan.FromMinutes(1)).ShuffleAsync(); // every open task: seconds, not milliseconds
                    Interlocked.Increment(ref _shuffles);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException)
                {
                    Interlocked.Increment(ref _failedRequests); // not acknowledged: it may or may not have happened, the audit judges either
                }
                continue;
            }
            await CreateAsync("manager", $"chaos task m{n}", stop);
        }
    }

    private async Task WorkerAsync(string worker, CancellationToken stop)
    {
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            if (Random.Shared.Next(2) == 0)
            {
                await CreateAsync(worker, $"chaos task {worker}-{n}", stop);
                continue;
            }
            try
            {
                var me = Client(worker, AnyEntryPoint());
                var open = (await me.ListTasksAsync("me", TaskStatuses.Open, 20)).Items;
                if (open.Count == 0) continue;
                var done = await me.CompleteTaskAsync(open[Random.Shared.Next(open.Count)].Id);
                _completed[done.Id] = true;
                Interlocked.Increment(ref _completions);
            }
            catch (AtesApiException ex) when ((int)ex.Status is 404 or 409)
            {
                // completed meanwhile, or reassigned by a shuffle: refused, nothing changed
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or AtesApiException)
            {
                Interlocked.Increment(ref _failedRequests);
                await Task.Delay(200, CancellationToken.None);
            }
        }
    }
}
