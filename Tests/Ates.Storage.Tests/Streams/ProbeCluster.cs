using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Ates.Storage.Hosting;
using Ates.Storage.Memory;
using Ates.Storage.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Streams.Core;
using Orleans.TestingHost;

namespace Ates.Storage.Tests.Streams;

/// <summary>An event of the probe subscription: it goes to the stream "probe.target/{Target}".</summary>
[EventType("probe.event", 1)]
public sealed record ProbeEvent(string Target, int N);

/// <summary>
/// The journal stream provider on an in-process Orleans cluster, with one subscription ("probe") whose consumer grains
/// record what they receive, and can be told to fail or to be slow. Every silo shares one journal.
/// </summary>
public sealed class ProbeCluster : IAsyncDisposable
{
    public const string Subscription = "probe";
    public const string Namespace = "probe.target";

    private ProbeCluster(InProcessTestCluster cluster, IJournalStore journal, ProbeLog log)
    {
        Cluster = cluster;
        Journal = journal;
        Log = log;
    }

    public InProcessTestCluster Cluster { get; }

    public IJournalStore Journal { get; }

    /// <summary>What the consumers received, per target.</summary>
    public ProbeLog Log { get; }

    public Subscriptions Subscriptions => Cluster.GetActiveSilos().First().ServiceProvider.GetRequiredService<Subscriptions>();

    /// <param name="quietSubscriptions">More subscriptions that read the journal but route nothing (they share the silo's tails).</param>
    public static async Task<ProbeCluster> StartAsync(int silos = 1, IJournalStore? journal = null, int quietSubscriptions = 0)
    {
        journal ??= new InMemoryJournal();
        var log = new ProbeLog();
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((_, host) => host.Logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddJournal(journal);
            silo.AddJournalSubscription(Subscription, o =>
            {
                o.EpochCheckInterval = TimeSpan.FromMilliseconds(100);
                o.CheckpointInterval = TimeSpan.FromMilliseconds(20);
            });
            for (var q = 0; q < quietSubscriptions; q++) silo.AddJournalSubscription($"quiet{q}");
            silo.ConfigureServices(services =>
            {
                for (var q = 0; q < quietSubscriptions; q++)
                {
                    var name = $"quiet{q}";
                    services.AddKeyedSingleton(name, new SubscriptionRoute(name, new HashSet<string> { "probe.event" }, (_, _) => [],
                        (grains, target) => grains.GetGrain<IProbeConsumer>(target.GetKeyAsString()).AsReference<IJournalConsumer>()));
                }
                services.AddSingleton(log);
                services.AddSingleton<IEventSerializer>(new JsonEventSerializer([typeof(ProbeEvent)]));
                services.AddKeyedSingleton(Subscription, new SubscriptionRoute(Subscription, new HashSet<string> { "probe.event" },
                    (_, decoded) => [StreamId.Create(Namespace, ((ProbeEvent)decoded).Target)],
                    (grains, target) => grains.GetGrain<IProbeConsumer>(target.GetKeyAsString()).AsReference<IJournalConsumer>()));
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new ProbeCluster(cluster, journal, log);
    }

    /// <summary>Appends events to journal streams, one append per source stream, and returns them as stored.</summary>
    public async Task<IReadOnlyList<JournalEvent>> AppendAsync(string source, params ProbeEvent[] events)
    {
        var current = (await Journal.ReadStreamAsync(source, 0, int.MaxValue)).Count;
        var stored = events.Select(e => new NewEvent(Guid.CreateVersion7(), "probe.event", 1, JsonSerializer.SerializeToUtf8Bytes(e, JsonEventSerializer.Options),
            new EventMetadata(DateTimeOffset.UtcNow, "probe", null, null, null))).ToList();
        await Journal.AppendAsync(source, current, stored);
        return (await Journal.ReadStreamAsync(source, current, events.Length)).ToList();
    }

    /// <summary>Waits until the condition holds, checking after every delivery the consumers record (and every 100 ms).</summary>
    public async Task UntilAsync(Func<bool> condition, TimeSpan? timeout = null, string? what = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        while (!condition())
        {
            try
            {
                await Log.Changed.WaitAsync(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"Not in time: {what ?? "the condition"}; received so far: {Log}");
            }
        }
    }

    /// <summary>Waits until the queue has checkpointed at least <paramref name="position"/> (checkpoints are written every few ms).</summary>
    public async Task UntilCheckpointAsync(int queue, JournalPosition position)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while ((await Journal.ReadCheckpointAsync(Subscription, queue)).Position < position) await Task.Delay(10, deadline.Token);
    }

    /// <summary>Waits until every queue of the probe subscription has checkpointed the journal's head.</summary>
    public async Task CaughtUpAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!await Subscriptions.IsCaughtUpAsync(Subscription)) await Task.Delay(20, deadline.Token);
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>Deliveries as the probe consumers recorded them, and the faults they are told to show.</summary>
public sealed class ProbeLog
{
    private readonly ConcurrentDictionary<string, List<JournalEvent>> _received = new();
    private readonly ConcurrentDictionary<string, int> _batches = new();
    private readonly ConcurrentDictionary<string, bool> _failing = new();
    private readonly ConcurrentDictionary<string, TimeSpan> _slow = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Changed => Volatile.Read(ref _changed).Task;

    public int Failures;

    public IReadOnlyList<JournalEvent> ReceivedBy(string target)
    {
        var list = _received.GetOrAdd(target, _ => []);
        lock (list) return list.ToList();
    }

    public int BatchesOf(string target) => _batches.GetValueOrDefault(target);

    private readonly ConcurrentDictionary<string, bool> _delivering = new();

    /// <summary>A delivery to the target has begun and not ended.</summary>
    public bool Delivering(string target) => _delivering.GetValueOrDefault(target);

    public IReadOnlyCollection<string> Targets => _received.Keys.ToList();

    /// <summary>Deliveries to the target throw until it is healed.</summary>
    public void Fail(string target) => _failing[target] = true;

    public void Heal(string target) => _failing.TryRemove(target, out _);

    /// <summary>Each delivery to the target takes this long.</summary>
    public void Slow(string target, TimeSpan delay) => _slow[target] = delay;

    public async Task OnDeliveryAsync(string target, IReadOnlyList<JournalEvent> events)
    {
        _delivering[target] = true;
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        try
        {
            await DeliverAsync(target, events);
        }
        finally
        {
            _delivering[target] = false;
        }
    }

    private async Task DeliverAsync(string target, IReadOnlyList<JournalEvent> events)
    {
        if (_slow.TryGetValue(target, out var delay)) await Task.Delay(delay); // the consumer's own slowness under test
        if (_failing.ContainsKey(target))
        {
            Interlocked.Increment(ref Failures);
            throw new InvalidOperationException($"{target} is told to fail (a consumer whose storage is down)");
        }
        var list = _received.GetOrAdd(target, _ => []);
        lock (list) list.AddRange(events);
        _batches.AddOrUpdate(target, 1, (_, n) => n + 1);
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    public override string ToString() => string.Join(", ", _received.OrderBy(r => r.Key).Select(r => $"{r.Key}: {r.Value.Count}"));
}

[Alias("ates.tests.probe-consumer")]
public interface IProbeConsumer : IGrainWithStringKey, IJournalConsumer;

/// <summary>A consumer of the probe subscription: records every batch it is handed, in order.</summary>
[ImplicitStreamSubscription(ProbeCluster.Namespace, JournalPartitions.TargetMapper)]
public sealed class ProbeConsumerGrain(ProbeLog log) : Grain, IProbeConsumer, IStreamSubscriptionObserver, IAsyncBatchObserver<JournalEvent>
{
    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) => await handleFactory.Create<JournalEvent>().ResumeAsync(this);

    public Task OnNextAsync(IList<SequentialItem<JournalEvent>> items) => log.OnDeliveryAsync(this.GetPrimaryKeyString(), items.Select(i => i.Item).ToList());

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    public async Task<string?> RetryAsync(string subscription, StreamId target, JournalEvent journalEvent)
    {
        await log.OnDeliveryAsync(this.GetPrimaryKeyString(), [journalEvent]);
        return null;
    }
}

internal static class Encoded
{
    public static string Text(this JournalEvent e) => Encoding.UTF8.GetString(e.Data);
}
