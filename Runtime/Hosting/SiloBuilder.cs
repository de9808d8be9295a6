using System.Reflection;
using Ates.Runtime.Core;
using Ates.Runtime.Reminders;
using Ates.Runtime.Storage.Embedded;
using Ates.Runtime.Storage.Postgres;
using Ates.Runtime.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ates.Runtime;

/// <summary>Declares what a silo hosts: grain assemblies, event contracts, subscriptions, options and its store.</summary>
public sealed class SiloBuilder(IServiceCollection services)
{
    internal readonly HashSet<Assembly> GrainAssemblies = [];
    internal readonly HashSet<Assembly> EventAssemblies = [];

    public IServiceCollection Services { get; } = services;

    /// <summary>Hosts every grain class of the assembly, and registers its [EventType] records.</summary>
    public SiloBuilder AddGrains(Assembly assembly)
    {
        GrainAssemblies.Add(assembly);
        EventAssemblies.Add(assembly);
        return this;
    }

    public SiloBuilder AddEventTypes(Assembly assembly)
    {
        EventAssemblies.Add(assembly);
        return this;
    }

    public SiloBuilder AddSubscription(SubscriptionDefinition subscription)
    {
        Services.AddSingleton(subscription);
        return this;
    }

    public SiloBuilder AddUpcaster(EventUpcaster upcaster)
    {
        Services.AddSingleton(upcaster);
        return this;
    }

    /// <summary>Runs once the silo has started (its leases taken), before it reports running; like Orleans' AddStartupTask.</summary>
    public SiloBuilder AddStartupTask(Func<IServiceProvider, CancellationToken, Task> task)
    {
        Services.AddSingleton(new SiloStartupTask(task));
        return this;
    }

    public SiloBuilder Configure(Action<RuntimeOptions> configure)
    {
        Services.AddSingleton(configure);
        return this;
    }

    /// <summary>The embedded store (the default): in memory, journaled to <see cref="EmbeddedStoreOptions.DataDirectory"/> when set.</summary>
    public SiloBuilder UseEmbeddedStore(EmbeddedStoreOptions options)
    {
        Services.AddSingleton<IAtesStore>(sp => EmbeddedStore.Open(options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<EmbeddedStore>()));
        return this;
    }

    /// <summary>The Postgres store: several silos on one database. The schema is created or migrated when the silo starts.</summary>
    public SiloBuilder UsePostgresStore(PostgresStoreOptions options)
    {
        Services.AddSingleton<IAtesStore>(sp => PostgresStore.OpenAsync(options, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<PostgresStore>()).GetAwaiter().GetResult());
        return this;
    }

    /// <summary>A store that outlives this silo (several silos of a TestCluster share one).</summary>
    public SiloBuilder UseStore(IAtesStore store)
    {
        Services.AddSingleton(store);
        return this;
    }
}

public static class SiloServiceCollectionExtensions
{
    /// <summary>Adds a silo to the container; in a generic host it starts and stops with the host.</summary>
    public static IServiceCollection AddAtesSilo(this IServiceCollection services, Action<SiloBuilder> configure)
    {
        var builder = new SiloBuilder(services);
        configure(builder);

        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var options = new RuntimeOptions();
            foreach (var configureOptions in sp.GetServices<Action<RuntimeOptions>>()) configureOptions(options);
            return options;
        });
        services.TryAddSingleton(sp => new GrainCatalog(
            builder.GrainAssemblies.SelectMany(GrainCatalog.FindGrainClasses), sp.GetRequiredService<RuntimeOptions>().CollectionAge));
        services.TryAddSingleton(sp => new JsonEventSerializer(builder.EventAssemblies.SelectMany(JsonEventSerializer.FindEventTypes), sp.GetServices<EventUpcaster>()));
        services.TryAddSingleton<IEventSerializer>(sp => sp.GetRequiredService<JsonEventSerializer>());
        services.TryAddSingleton<IEventStore>(sp => sp.GetRequiredService<IAtesStore>());
        services.TryAddSingleton<GrainRuntime>();
        services.TryAddSingleton<IGrainFactory>(sp => sp.GetRequiredService<GrainRuntime>());
        services.TryAddSingleton<ReminderService>();
        services.TryAddSingleton<EventDelivery>();
        services.TryAddSingleton(sp => new SubscriptionOperations(sp.GetRequiredService<IAtesStore>(), sp.GetRequiredService<EventDelivery>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetServices<SubscriptionDefinition>()));
        services.TryAddSingleton<Silo>();
        services.AddHostedService<SiloHostedService>();

        // Grain classes with [ImplicitStreamSubscription] get a subscription each.
        foreach (var grainClass in builder.GrainAssemblies.SelectMany(GrainCatalog.FindGrainClasses)
                     .Where(t => t.GetCustomAttributes<ImplicitStreamSubscriptionAttribute>().Any()))
        {
            services.AddSingleton(sp => SubscriptionDefinition.Implicit(
                sp.GetRequiredService<GrainCatalog>().Classes.Single(c => c.ClassType == grainClass)));
        }
        return services;
    }
}

public sealed record SiloStartupTask(Func<IServiceProvider, CancellationToken, Task> Run);

internal sealed class SiloHostedService(Silo silo) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => silo.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => silo.StopAsync(cancellationToken);
}
