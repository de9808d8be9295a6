using System.Globalization;
using System.Collections.Concurrent;
using Ates.Runtime;

namespace Ates.Runtime.Tests;

// ---- turns ----

public interface ITurnProbeGrain : IGrainWithGuidKey
{
    Task<int> Write(int yields);

    [ReadOnly]
    Task<int> ReadTogether(string rendezvous, int expected);

    Task<int> WriteBlockedBy(string gate);

    Task<int> MaxConcurrent();
}

public sealed class TurnProbeGrain : Grain, ITurnProbeGrain
{
    private int _inside;
    private int _max;
    private int _calls;

    public async Task<int> Write(int yields)
    {
        var inside = Interlocked.Increment(ref _inside);
        _max = Math.Max(_max, inside);
        for (var i = 0; i < yields; i++) await Task.Yield();
        _calls++;
        Interlocked.Decrement(ref _inside);
        return _calls;
    }

    public async Task<int> ReadTogether(string rendezvous, int expected)
    {
        // Completes only if `expected` read-only calls are inside the grain at the same time.
        var arrived = Probe.Rendezvous.AddOrUpdate(rendezvous, 1, (_, n) => n + 1);
        Probe.Signal(rendezvous + "/arrived");
        while (true)
        {
            var next = Probe.WaitAsync(rendezvous + "/arrived");
            if (Probe.Rendezvous[rendezvous] >= expected) return arrived;
            await next;
        }
    }

    public async Task<int> WriteBlockedBy(string gate)
    {
        Probe.Signal(gate + "/entered");
        await Probe.Gate(gate).Task;
        return ++_calls;
    }

    public Task<int> MaxConcurrent() => Task.FromResult(_max);
}

// ---- lifecycle ----

public interface ILifecycleGrain : IGrainWithStringKey
{
    Task<int> Ping();

    Task Hang(string gate);

    Task Fail();

    Task Leave();
}

public class LifecycleGrain : Grain, ILifecycleGrain
{
    private int _pings;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Probe.Log(this.GetPrimaryKeyString(), "activate");
        if (this.GetPrimaryKeyString().StartsWith("fail-activation", StringComparison.Ordinal) && Probe.Count(this.GetPrimaryKeyString(), "activate") == 1)
            throw new InvalidOperationException("activation refused once");
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Probe.Log(this.GetPrimaryKeyString(), $"deactivate:{reason}");
        Probe.Signal(this.GetPrimaryKeyString() + "/deactivated");
        return Task.CompletedTask;
    }

    public Task<int> Ping() => Task.FromResult(++_pings);

    public Task Hang(string gate) => Probe.Gate(gate).Task;

    public Task Fail()
    {
        Probe.Log(this.GetPrimaryKeyString(), "fail");
        throw new InvalidOperationException("boom");
    }

    public Task Leave()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public interface IShortLivedGrain : IGrainWithStringKey
{
    Task<int> Ping();
}

[CollectionAgeLimit(Minutes = 2)]
public sealed class ShortLivedGrain : Grain, IShortLivedGrain
{
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Probe.Signal(this.GetPrimaryKeyString() + "/deactivated");
        return Task.CompletedTask;
    }

    public Task<int> Ping() => Task.FromResult(1);
}

// ---- journaled ----

[EventType("counter.added")]
public sealed record CounterAdded(long Amount);

public sealed class CounterState
{
    public long Total { get; set; }
}

public interface ICounterGrain : IGrainWithStringKey
{
    Task<long> Add(long amount);

    [ReadOnly]
    Task<long> Get();

    [ReadOnly]
    Task<long> GetVersion();
}

public sealed class CounterGrain : JournaledGrain<CounterState, CounterAdded>, ICounterGrain
{
    protected override int SnapshotEvery => 10;

    protected override CounterState Apply(CounterState state, CounterAdded e)
    {
        state.Total += e.Amount;
        return state;
    }

    public Task<long> Add(long amount) => RunCommand(() =>
    {
        RaiseEvent(new CounterAdded(amount));
        return State.Total;
    });

    public Task<long> Get() => Task.FromResult(State.Total);

    public Task<long> GetVersion() => Task.FromResult(Version);
}

// ---- stream consumers ----

[EventType("tally.counted")]
public sealed record TallyCounted(Guid SourceEventId, long Amount);

public sealed class TallyState
{
    public HashSet<Guid> Seen { get; set; } = [];
    public long Total { get; set; }
}

public interface ITallyGrain : IEventConsumer, IGrainWithStringKey
{
    [ReadOnly]
    Task<long> Total();
}

/// <summary>Sums counter events of one counter, deduplicating by source event id; amount -13 is a poison event while Probe.PoisonOn.</summary>
public sealed class TallyGrain(IEventSerializer serializer) : JournaledGrain<TallyState, TallyCounted>, ITallyGrain
{
    protected override TallyState Apply(TallyState state, TallyCounted e)
    {
        if (state.Seen.Add(e.SourceEventId)) state.Total += e.Amount;
        return state;
    }

    public async Task OnEventAsync(RecordedEvent recordedEvent)
    {
        Count(recordedEvent);
        await ConfirmEvents();
        Probe.Signal("tally");
    }

    /// <summary>Several at once, as one command (what a subscription with ConcurrentStreams and a route sends).</summary>
    public async Task OnEventsAsync(IReadOnlyList<RecordedEvent> recordedEvents)
    {
        Probe.Log($"tally-batches/{this.GetPrimaryKeyString()}", recordedEvents.Count.ToString(CultureInfo.InvariantCulture));
        await ConsumeAsync(recordedEvents, Count);
        Probe.Signal("tally");
    }

    private void Count(RecordedEvent recordedEvent)
    {
        Probe.Log($"tally-deliveries/{this.GetPrimaryKeyString()}", recordedEvent.EventId.ToString());
        var added = (CounterAdded)serializer.Deserialize(recordedEvent);
        if (added.Amount == -13 && Probe.PoisonOn) throw new InvalidOperationException($"poison event {recordedEvent.EventId}");
        if (!State.Seen.Contains(recordedEvent.EventId)) RaiseEvent(new TallyCounted(recordedEvent.EventId, added.Amount));
    }

    public Task<long> Total() => Task.FromResult(State.Total);
}

public interface IAuditGrain : IEventConsumer, IGrainWithStringKey
{
    Task<IReadOnlyList<long>> Versions();
}

/// <summary>Implicitly subscribed to every "counter" stream: the grain with the counter's key hears its events.</summary>
[ImplicitStreamSubscription("counter")]
public sealed class AuditGrain : Grain, IAuditGrain
{
    private readonly List<long> _versions = [];

    public Task OnEventAsync(RecordedEvent recordedEvent)
    {
        if (!_versions.Contains(recordedEvent.StreamVersion)) _versions.Add(recordedEvent.StreamVersion);
        Probe.Signal("audit");
        return Task.CompletedTask;
    }

    public async Task OnEventsAsync(IReadOnlyList<RecordedEvent> recordedEvents)
    {
        foreach (var e in recordedEvents) await OnEventAsync(e);
    }

    public Task<IReadOnlyList<long>> Versions() => Task.FromResult<IReadOnlyList<long>>(_versions.ToList());
}

// ---- reminders ----

public interface IAlarmGrain : IGrainWithStringKey
{
    Task Set(TimeSpan due, TimeSpan period);

    Task Clear();
}

public sealed class AlarmGrain(TimeProvider time) : Grain, IAlarmGrain, IRemindable
{
    public Task Set(TimeSpan due, TimeSpan period) => RegisterOrUpdateReminder("alarm", due, period);

    public Task Clear() => UnregisterReminder("alarm");

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Probe.Log(this.GetPrimaryKeyString(), $"tick:{status.DueAt:O}@{time.GetUtcNow():O}");
        Probe.Signal(this.GetPrimaryKeyString() + "/tick");
        return Task.CompletedTask;
    }
}

/// <summary>Observations shared between test grains and tests (keys are unique per test, so tests can run in parallel).</summary>
public static class Probe
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> Logs = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Signals = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> Gates = new();
    public static readonly ConcurrentDictionary<string, int> Rendezvous = new();
    public static volatile bool PoisonOn = true;

    public static void Log(string key, string entry) => Logs.GetOrAdd(key, _ => new ConcurrentQueue<string>()).Enqueue(entry);

    public static IReadOnlyList<string> Entries(string key) => Logs.TryGetValue(key, out var log) ? log.ToList() : [];

    public static int Count(string key, string entry) => Entries(key).Count(e => e == entry);

    public static TaskCompletionSource Gate(string name) => Gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Wakes everyone waiting on the name, once.</summary>
    public static void Signal(string name)
    {
        if (Signals.TryRemove(name, out var waiters)) waiters.TrySetResult();
    }

    /// <summary>Waits for the next Signal of the name.</summary>
    public static Task WaitAsync(string name) =>
        Signals.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Re-checks the condition each time the named signal fires, until it holds; fails after the timeout.</summary>
    public static async Task UntilAsync(string signal, Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var next = WaitAsync(signal);
            if (await condition()) return;
            try
            {
                // The short cap only covers a signal raised by another silo between our check and the wait.
                await next.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Condition on '{signal}' did not hold in time.");
            }
        }
    }
}
