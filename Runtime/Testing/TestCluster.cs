using Ates.Runtime.Storage.Embedded;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ates.Runtime.Testing;

public sealed class TestClusterOptions
{
    public int InitialSilos { get; set; } = 2;

    /// <summary>Grains, subscriptions and options of every silo.</summary>
    public Action<SiloBuilder> ConfigureSilo { get; set; } = _ => { };

    /// <summary>Extra services of every silo (the store, clock and logging are set by the cluster).</summary>
    public Action<IServiceCollection> ConfigureServices { get; set; } = _ => { };

    /// <summary>The store all silos share; by default an in-memory embedded store the cluster owns.</summary>
    public Func<TimeProvider, IAtesStore>? CreateStore { get; set; }

    public TimeProvider Time { get; set; } = TimeProvider.System;

    public Action<ILoggingBuilder> ConfigureLogging { get; set; } = _ => { };
}

/// <summary>
/// N silos in one process on one shared store, like Orleans.TestingHost: start more, stop one gracefully, kill one
/// abruptly (no cleanup at all), restart one.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly TestClusterOptions _options;
    private readonly List<(Silo Silo, ServiceProvider Services)> _silos = [];

    private TestCluster(TestClusterOptions options, IAtesStore store)
    {
        _options = options;
        Store = store;
    }

    public IAtesStore Store { get; }

    public TimeProvider Time => _options.Time;

    /// <summary>Running silos, oldest first.</summary>
    public IReadOnlyList<Silo> Silos
    {
        get
        {
            lock (_silos) return _silos.Where(s => s.Silo.IsRunning).Select(s => s.Silo).ToList();
        }
    }

    /// <summary>A grain factory of the first running silo, as a client connected to the cluster would use.</summary>
    public IGrainFactory GrainFactory => Silos.FirstOrDefault()?.GrainFactory ?? throw new InvalidOperationException("No silo is running.");

    public static async Task<TestCluster> StartAsync(TestClusterOptions options)
    {
        var store = options.CreateStore?.Invoke(options.Time) ?? EmbeddedStore.Open(new EmbeddedStoreOptions(), options.Time);
        var cluster = new TestCluster(options, store);
        for (var i = 0; i < options.InitialSilos; i++) await cluster.StartAdditionalSiloAsync().ConfigureAwait(false);
        return cluster;
    }

    public async Task<Silo> StartAdditionalSiloAsync()
    {
        var services = new ServiceCollection();
        services.AddLogging(_options.ConfigureLogging);
        services.AddSingleton(_options.Time);
        _options.ConfigureServices(services);
        services.AddAtesSilo(silo =>
        {
            silo.UseStore(Store);
            silo.Configure(o => o.Partitions = Store.Partitions);
            _options.ConfigureSilo(silo);
        });
        var provider = services.BuildServiceProvider();
        var silo = provider.GetRequiredService<Silo>();
        await silo.StartAsync().ConfigureAwait(false);
        lock (_silos) _silos.Add((silo, provider));
        return silo;
    }

    public Task StopSiloAsync(Silo silo) => silo.StopAsync();

    public void KillSilo(Silo silo) => silo.Kill();

    public async Task<Silo> RestartSiloAsync(Silo silo)
    {
        await silo.StopAsync().ConfigureAwait(false);
        return await StartAdditionalSiloAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        List<(Silo Silo, ServiceProvider Services)> silos;
        lock (_silos) silos = [.. _silos];
        foreach (var (silo, _) in silos) await silo.StopAsync().ConfigureAwait(false);
        foreach (var (_, services) in silos) await services.DisposeAsync().ConfigureAwait(false);
        await Store.DisposeAsync().ConfigureAwait(false);
    }
}
