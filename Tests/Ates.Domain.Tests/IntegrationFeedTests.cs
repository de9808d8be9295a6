using System.Collections.Concurrent;
using Ates.Silo;
using Ates.Client.Hosting;
using Ates.Storage.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Providers;
using Orleans.Serialization;
using Orleans.Streams;
using Orleans.Streams.Core;
using Xunit.Abstractions;

namespace Ates.Domain.Tests;

/// <summary>What the integration feed's consumers received, per silo (a killed silo's record stays readable).</summary>
public sealed class IntegrationProbe
{
    private static long _arrivals;

    /// <summary>What arrived here, numbered in the order of arrival across every silo (a consumer may move between silos).</summary>
    public ConcurrentQueue<(long Arrival, IntegrationEvent Event)> Received { get; } = new();

    public void Record(IntegrationEvent e) => Received.Enqueue((NextArrival(), e));

    public static long NextArrival() => Interlocked.Increment(ref _arrivals);
}

/// <summary>
/// Each event a relay handed to the provider and the provider took, from the relays' "integration publish" spans:
/// memory streams are not durable (a killed silo's pulling agent takes what it dequeued with it), so the kill test
/// checks Ates' side of the hand-off. Process-wide, as activity listeners are; tests filter by their journal's ids.
/// </summary>
public static class PublishedEvents
{
    public static readonly ConcurrentQueue<(long Arrival, Guid EventId, string StreamId)> All = new();

    private static readonly System.Diagnostics.ActivityListener Listener = Start();

    public static void EnsureListening() => GC.KeepAlive(Listener);

    private static System.Diagnostics.ActivityListener Start()
    {
        var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == AtesTelemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.OperationName == "integration publish" && activity.GetTagItem("ates.published") is true)
                    All.Enqueue((IntegrationProbe.NextArrival(), (Guid)activity.GetTagItem("ates.event_id")!, (string)activity.GetTagItem("ates.stream")!));
            },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        return listener;
    }
}

public interface IIntegrationProbeGrain : IGrainWithStringKey;

/// <summary>Another system's view of the feed: an implicit subscriber to every integration stream.</summary>
[ImplicitStreamSubscription(IntegrationFeed.Namespace)]
public sealed class IntegrationProbeGrain(IntegrationProbe probe) : Grain, IIntegrationProbeGrain, IStreamSubscriptionObserver
{
    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<IntegrationEvent>().ResumeAsync((e, _) =>
        {
            probe.Record(e);
            return Task.CompletedTask;
        });
}

public sealed class IntegrationFeedTests(ITestOutputHelper output)
{
    private static Task<DomainCluster> StartAsync(int silos, int? seed = null)
    {
        PublishedEvents.EnsureListening();
        return DomainCluster.StartAsync(silos: silos, seed: seed, silo: Configure);
    }

    private static void Configure(ISiloBuilder silo)
    {
        // Memory streams stand in for Event Hubs: the feed publishes to whatever provider is named "integration".
        silo.AddMemoryStreams(IntegrationFeed.Provider, streams => streams.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly));
        silo.AddJournalSubscription(SubscriptionNames.Integration);
        silo.ConfigureServices(services => services.AddSingleton<IntegrationProbe>());
    }

    private static IEnumerable<IntegrationProbe> Probes(DomainCluster ates) => ates.Silos.Select(s => s.ServiceProvider.GetRequiredService<IntegrationProbe>());

    /// <summary>Waits until every published event in the journal has reached the feed's consumers (or, with <paramref name="published"/>, its provider) at least once.</summary>
    private static async Task<List<IntegrationEvent>> AllReceivedAsync(DomainCluster ates, IReadOnlyList<IntegrationProbe> probes, bool published = false)
    {
        var journal = (await ates.Journal.ReadLogAsync(JournalPosition.Start, 1_000_000)).Where(e => PublicEvent.IsPublished(e.Type)).ToList();
        List<IntegrationEvent> received = [];
        await ates.UntilAsync(() =>
        {
            // What the relays published is the public form of these journal events (other tests' clusters publish too).
            var byId = journal.ToDictionary(e => e.EventId);
            received = published
                ? PublishedEvents.All.Where(p => byId.ContainsKey(p.EventId)).OrderBy(p => p.Arrival).Select(p => PublicEvent.ForIntegration(byId[p.EventId])!).ToList()
                : probes.SelectMany(p => p.Received).OrderBy(r => r.Arrival).Select(r => r.Event).ToList();
            return Task.FromResult(journal.All(e => received.Any(r => r.EventId == e.EventId)));
        }, TimeSpan.FromSeconds(60));
        return received;
    }

    private static void InJournalOrderPerStream(List<IntegrationEvent> received, IReadOnlyList<JournalEvent> journal)
    {
        received.ShouldAllBe(r => PublicEvent.IsPublished(r.Type), "sessions, password changes and bookkeeping never leave");
        // At least once: a repeat may follow, but the first time each event arrives is its stream's order.
        foreach (var stream in received.GroupBy(r => r.StreamId))
        {
            var firsts = stream.DistinctBy(r => r.EventId).Select(r => r.StreamVersion).ToList();
            firsts.ShouldBe(firsts.Order().ToList(), $"{stream.Key} arrived out of order");
        }
        var byId = journal.ToDictionary(e => e.EventId);
        foreach (var r in received.DistinctBy(r => r.EventId))
        {
            var e = byId[r.EventId];
            (r.Type, r.Version, r.StreamId, r.StreamVersion, r.Position).ShouldBe((e.Type, e.Version, e.StreamId, e.StreamVersion, e.Position.ToString()));
            r.Data.ShouldNotContain("passwordHash");
            r.Data.ShouldNotContain("email");
            System.Text.Json.Nodes.JsonNode.Parse(r.Data)!.AsObject().Select(f => f.Key).ShouldBeSubsetOf(PublicEvent.Fields[r.Type], $"{r.Type} publishes its listed fields only");
        }
    }

    [Fact]
    public async Task Every_journal_event_reaches_the_integration_stream_in_its_public_form_in_order_per_stream()
    {
        await using var ates = await StartAsync(silos: 2, seed: 4);
        var manager = await ates.UserAsync(Roles.Manager);
        await ates.UserAsync(Roles.Worker);
        await ates.UserAsync(Roles.Worker);
        var tasks = new List<TaskDto>();
        for (var i = 0; i < 30; i++) tasks.Add(await ates.CreateTaskAsync(manager.Id, silo: i % 2));
        foreach (var t in tasks.Take(12)) await ates.CompleteAsync(t.Id, t.AssigneeId);
        await ates.SettledAsync();

        var received = await AllReceivedAsync(ates, Probes(ates).ToList());
        var journal = await ates.Journal.ReadLogAsync(JournalPosition.Start, 1_000_000);
        InJournalOrderPerStream(received, journal);
        output.WriteLine($"{journal.Count} journal events in {journal.Select(e => e.StreamId).Distinct().Count()} streams; {received.Count} deliveries " +
                         $"({received.Count - received.Select(r => r.EventId).Distinct().Count()} repeats); types: {string.Join(", ", received.Select(r => r.Type).Distinct().Order())}");
        received.Select(r => r.Type).ShouldContain("task.created");
        received.Select(r => r.Type).ShouldContain("ledger.entry-recorded");
        received.Select(r => r.Type).ShouldContain("user.registered");
    }

    [Fact]
    public async Task A_silo_killed_while_it_relays_loses_no_event()
    {
        await using var ates = await StartAsync(silos: 1, seed: 8);
        var manager = await ates.UserAsync(Roles.Manager);
        for (var i = 0; i < 3; i++) await ates.UserAsync(Roles.Worker);
        var probes = new List<IntegrationProbe>(Probes(ates));
        await AllReceivedAsync(ates, probes);
        for (var i = 0; i < 2; i++) probes.Add((await ates.Cluster.StartAdditionalSiloAsync()).ServiceProvider.GetRequiredService<IntegrationProbe>());
        await ates.Cluster.WaitForLivenessToStabilizeAsync();
        var victim = ates.Silos[2];

        var created = 0;
        var failed = 0;
        for (var i = 0; i < 120; i++)
        {
            if (i == 40) await ates.Cluster.KillSiloAsync(victim);
            try
            {
                await ates.CreateTaskAsync(manager.Id);
                created++;
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                failed++; // a call that needed the killed silo
            }
        }
        await ates.SettledAsync(TimeSpan.FromSeconds(120));

        // Every event was handed to the provider at least once, in order per stream, the killed silo's relays' too.
        var published = await AllReceivedAsync(ates, probes, published: true);
        var journal = await ates.Journal.ReadLogAsync(JournalPosition.Start, 1_000_000);
        InJournalOrderPerStream(published, journal);
        output.WriteLine($"SIGKILL-equivalent of 1 of 3 silos after 40 creations: {created} acknowledged, {failed} failed; {journal.Count} journal events, " +
                         $"all {published.Select(r => r.EventId).Distinct().Count()} published to the feed ({published.Count - published.Select(r => r.EventId).Distinct().Count()} repeats), " +
                         $"{probes.Sum(p => p.Received.Count)} received by its consumer over memory streams");
    }

    [Fact]
    public void A_silo_with_event_hubs_settings_wires_the_integration_provider_to_event_hubs()
    {
        var settings = new EventHubsSettings
        {
            ConnectionString = "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;",
            EventHubName = "ates-integration",
            ConsumerGroup = "ates",
            CheckpointConnectionString = "UseDevelopmentStorage=true",
        };
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering();
            silo.AddIntegrationFeedOnEventHubs(settings);
        });
        using var host = builder.Build(); // built, not started: nothing connects
        var factory = host.Services.GetRequiredKeyedService<IQueueAdapterFactory>(IntegrationFeed.Provider);
        factory.GetType().Name.ShouldBe("EventHubAdapterFactory");
        // Orleans' own checks of every provider's settings, as a starting silo runs them.
        foreach (var validator in host.Services.GetServices<IConfigurationValidator>()) validator.ValidateConfiguration();
        var checkpoints = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<Orleans.Configuration.AzureTableStreamCheckpointerOptions>>().Get(IntegrationFeed.Provider);
        checkpoints.TableName.ShouldBe("atesintegration");

        // Half a configuration stops the silo, naming the key.
        var half = new EventHubsSettings { ConnectionString = settings.ConnectionString };
        Should.Throw<InvalidOperationException>(half.Validate).Message.ShouldContain("Ates:Integration:EventHubs:EventHubName");
    }
}
