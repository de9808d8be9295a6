using Ates.Runtime.Core;

namespace Ates.Runtime.Streams;

/// <summary>
/// Group commit for calls to consumer grains: one call per grain is in flight at a time, and whatever events arrive
/// for it meanwhile (from the other partitions' pumps, from other subscriptions) go together in the next call, so a
/// grain every partition feeds (a day's analytics) makes one command and one append per round, not one per pump.
/// Each part of a merged call still stands alone for its caller: it succeeds or fails with the call it went in.
/// Order is kept where it is owed: a partition's pump waits for its part before it hands over its next batch.
/// </summary>
internal sealed class ConsumerCalls
{
    private readonly Dictionary<GrainId, List<Part>> _waiting = [];
    // Subscriptions are background work: while the silo is saturated (a deep thread-pool queue, as in a shuffle of
    // 100,000 tasks), at most one consumer call per core runs, so requests keep the CPU and consumers catch up
    // after, in bigger merged calls. Otherwise calls run side by side, and an event reaches its grain at once.
    private static readonly long SaturatedQueue = 32L * Environment.ProcessorCount;
    private readonly SemaphoreSlim _whenSaturated = new(Environment.ProcessorCount);

    public Task CallAsync(IEventConsumer consumer, IReadOnlyList<RecordedEvent> events)
    {
        var id = ((GrainReference)(object)consumer).Id;
        var part = new Part(events);
        lock (_waiting)
        {
            if (_waiting.TryGetValue(id, out var waiting))
            {
                waiting.Add(part);
                return part.Done.Task;
            }
            _waiting[id] = [];
        }
        _ = RunAsync(id, consumer, [part]);
        return part.Done.Task;
    }

    private async Task RunAsync(GrainId id, IEventConsumer consumer, List<Part> parts)
    {
        while (true)
        {
            var throttled = ThreadPool.PendingWorkItemCount > SaturatedQueue;
            if (throttled) await _whenSaturated.WaitAsync().ConfigureAwait(false);
            try
            {
                var events = parts.Count == 1 ? parts[0].Events : parts.SelectMany(p => p.Events).ToList();
                using (RequestContext.Begin(events[0].Metadata.CorrelationId, events[0].EventId.ToString(), events[0].Metadata.ActorUserId))
                {
                    await consumer.OnEventsAsync(events).ConfigureAwait(false);
                }
                foreach (var part in parts) part.Done.TrySetResult();
            }
            catch (Exception ex)
            {
                foreach (var part in parts) part.Done.TrySetException(ex);
            }
            finally
            {
                if (throttled) _whenSaturated.Release();
            }

            lock (_waiting)
            {
                var next = _waiting[id];
                if (next.Count == 0)
                {
                    _waiting.Remove(id);
                    return;
                }
                _waiting[id] = [];
                parts = next;
            }
        }
    }

    private sealed record Part(IReadOnlyList<RecordedEvent> Events)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
