using Ates.Journal;
using Ates.Storage.EventSourcing;
using Ates.Storage.Journal;
using Ates.Storage.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.EventSourcing;
using Orleans.Hosting;
using Orleans.Runtime.Providers;
using Orleans.Streams;

namespace Ates.Storage.Hosting;

public static class JournalSiloBuilderExtensions
{
    /// <summary>
    /// The journal on this silo: its store (made once by <paramref name="store"/>; a store object shared by several silos
    /// of a test cluster is not disposed with any of them), the silo's tail of it, the log-consistency provider of
    /// journaled grains (<see cref="JournalNames.LogConsistency"/>) and the subscriptions' operator view.
    /// </summary>
    public static ISiloBuilder AddJournal(this ISiloBuilder silo, Func<IServiceProvider, IJournalStore> store) =>
        silo.ConfigureServices(services => services.AddJournalReading(store).AddJournaledGrains());

    /// <summary>The journal on this silo, in a store that outlives it (the silos of an in-process test cluster share one).</summary>
    public static ISiloBuilder AddJournal(this ISiloBuilder silo, IJournalStore sharedStore) =>
        silo.ConfigureServices(services => services.AddJournalReading(sharedStore).AddJournaledGrains());

    /// <summary>
    /// What a process that reads the journal needs, silo or separate frontend: the store (made and disposed by the
    /// container), this process's tail of it (the live feed, the subscription queues) and the subscriptions' operator
    /// view. A frontend names the subscriptions with <see cref="AddJournalSubscriptionView"/>.
    /// </summary>
    public static IServiceCollection AddJournalReading(this IServiceCollection services, Func<IServiceProvider, IJournalStore> store)
    {
        // Each alias disposes it too: every store's DisposeAsync runs once.
        services.AddSingleton(store);
        services.AddSingleton<IEventJournal>(sp => sp.GetRequiredService<IJournalStore>());
        services.AddSingleton<IDeadLetters>(sp => sp.GetRequiredService<IJournalStore>());
        services.AddSingleton<ISharedKeys>(sp => sp.GetRequiredService<IJournalStore>());
        services.AddSingleton<IReadModelStore>(sp => sp.GetRequiredService<IJournalStore>());
        return services.AddJournalViews();
    }

    private static IServiceCollection AddJournalReading(this IServiceCollection services, IJournalStore sharedStore)
    {
        // Instances the container did not make are not disposed with the silo.
        services.AddSingleton(sharedStore);
        services.AddSingleton<IEventJournal>(sharedStore);
        services.AddSingleton<IDeadLetters>(sharedStore);
        services.AddSingleton<ISharedKeys>(sharedStore);
        services.AddSingleton<IReadModelStore>(sharedStore);
        return services.AddJournalViews();
    }

    private static IServiceCollection AddJournalViews(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        // The whole log's tail, for the live feeds of this process; subscription queues read their partitions' tails.
        services.AddSingleton(sp => JournalTail.OfLog(sp.GetRequiredService<IEventJournal>(), logger: sp.GetRequiredService<ILogger<JournalTail>>()));
        services.AddSingleton<PartitionTails>();
        services.AddSingleton<LocalQueues>();
        services.AddSingleton<Subscriptions>();
        services.AddSingleton<ISubscriptionProgress>(sp => sp.GetRequiredService<Subscriptions>());
        return services;
    }

    private static IServiceCollection AddJournaledGrains(this IServiceCollection services)
    {
        services.AddKeyedSingleton<ILogViewAdaptorFactory>(JournalNames.LogConsistency, (sp, _) => new JournalLogConsistencyProvider(sp));
        services.TryAddSingleton<Factory<IGrainContext, ILogConsistencyProtocolServices>>(sp =>
        {
            var copier = sp.GetRequiredService<DeepCopier>();
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Ates.Journal.LogView");
            return grain => new JournalProtocolServices(grain, copier, logger);
        });
        return services;
    }

    /// <summary>
    /// A subscription as a frontend sees it (status, dead letters) without running it: its name and queue count, which
    /// must be the silos' (<see cref="AddJournalSubscription"/>).
    /// </summary>
    public static IServiceCollection AddJournalSubscriptionView(this IServiceCollection services, string name, Action<JournalStreamOptions>? configure = null)
    {
        services.AddSingleton(new JournalSubscriptionName(name));
        services.AddOptions<JournalStreamOptions>(name).Configure(o => configure?.Invoke(o));
        return services;
    }

    /// <summary>
    /// One subscription: an instance of the journal stream provider named <paramref name="name"/>, whose route is the
    /// <see cref="SubscriptionRoute"/> registered under that name. Implicit subscriptions only (no pub-sub store); a
    /// delivery is retried until it passes (Orleans' agent would give up after a minute and move on).
    /// </summary>
    public static ISiloBuilder AddJournalSubscription(this ISiloBuilder silo, string name, Action<JournalStreamOptions>? configure = null)
    {
        silo.ConfigureServices(services =>
        {
            services.AddSingleton(new JournalSubscriptionName(name));
            services.TryAddKeyedSingleton<IStreamIdMapper, TargetStreamIdMapper>(TargetStreamIdMapper.Name);
        });
        return silo.AddPersistentStreams(name, JournalQueueAdapterFactory.Create, stream =>
        {
            stream.Configure<JournalStreamOptions>(options => options.Configure(o => configure?.Invoke(o)));
            stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            stream.ConfigurePullingAgent(options => options.Configure(o =>
            {
                // Receivers wait for commits themselves (JournalQueueReceiver); the tick only restarts an idle pump.
                o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(10);
                o.MaxEventDeliveryTime = Timeout.InfiniteTimeSpan;
                o.BatchContainerBatchSize = 1;
            }));
            stream.ConfigureBackoffProvider((_, _) => (IMessageDeliveryBackoffProvider)new JournalBackoff());
            stream.ConfigureBackoffProvider((_, _) => (IQueueReaderBackoffProvider)new JournalBackoff());
        });
    }
}
