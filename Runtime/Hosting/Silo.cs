using Ates.Runtime.Cluster;
using Ates.Runtime.Core;
using Ates.Runtime.Reminders;
using Ates.Runtime.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ates.Runtime;

/// <summary>A silo: hosts activations, runs its share of subscription partitions and reminders, heartbeats.</summary>
public sealed class Silo
{
    private readonly GrainRuntime _runtime;
    private readonly ClusterAgent _cluster;
    private readonly ReminderService _reminders;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Task _loops = Task.CompletedTask;

    public Silo(IServiceProvider services, RuntimeOptions options, IAtesStore store, TimeProvider time, ILoggerFactory loggers)
    {
        if (store.Partitions != options.Partitions)
            throw new InvalidOperationException($"The store has {store.Partitions} partitions; the silo is configured with {options.Partitions}.");
        Services = services;
        Id = $"{options.SiloAddress}-{Guid.NewGuid().ToString("N")[..8]}";
        _runtime = services.GetRequiredService<GrainRuntime>();
        _reminders = services.GetRequiredService<ReminderService>();
        _logger = loggers.CreateLogger<Silo>();
        _cluster = new ClusterAgent(Id, store, options, time, _reminders, services.GetRequiredService<EventDelivery>(),
            services.GetServices<SubscriptionDefinition>(), loggers.CreateLogger<ClusterAgent>());
    }

    public string Id { get; }

    public IServiceProvider Services { get; }

    public IGrainFactory GrainFactory => _runtime;

    public bool IsRunning { get; private set; }

    /// <summary>The leases this silo holds now (subscription partitions and reminder partitions).</summary>
    public IReadOnlyCollection<string> HeldLeases => _cluster.HeldLeases;

    public int ActivationCount => _runtime.ActivationCount;

    public bool IsActive(GrainId id) => _runtime.IsActive(id);

    internal GrainRuntime Runtime => _runtime;

    public async Task StartAsync(CancellationToken ct = default)
    {
        _runtime.Start();
        await _cluster.StartAsync(ct).ConfigureAwait(false);
        _loops = Task.WhenAll(
            Task.Run(() => _cluster.RunAsync(_stop.Token), CancellationToken.None),
            Task.Run(() => _reminders.RunAsync(_stop.Token), CancellationToken.None));
        IsRunning = true;
        foreach (var startup in Services.GetServices<SiloStartupTask>()) await startup.Run(Services, ct).ConfigureAwait(false);
        _logger.LogInformation("Silo {Silo} started", Id);
    }

    /// <summary>Graceful: pumps finish their current event and hand their leases back, grains deactivate, loops end.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (!IsRunning) return;
        IsRunning = false;
        await _cluster.StopAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        await SwallowCancellation(_loops).ConfigureAwait(false);
        await _runtime.StopAsync().ConfigureAwait(false);
        _logger.LogInformation("Silo {Silo} stopped", Id);
    }

    /// <summary>Abrupt, like a crashed process: nothing is released, flushed or deactivated.</summary>
    public void Kill()
    {
        IsRunning = false;
        _cluster.Kill();
        _stop.Cancel();
        _runtime.Kill();
        _logger.LogWarning("Silo {Silo} killed", Id);
    }

    private static async Task SwallowCancellation(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
