using Ates.Grains.Interfaces;
using Ates.Storage.Hosting;
using Ates.Storage.Journal;
using Ates.Storage.Postgres;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Ates.Client.Hosting;

public static class FrontendSetup
{
    /// <summary>
    /// The frontend on its own (<c>dotnet run --project Client</c>): an Orleans client that finds the silos' gateways in
    /// the PostgreSQL membership table (ADO.NET clustering) and moves to another gateway when one dies; the journal read
    /// directly (the live feed, /api/events, the shared key ring, the subscriptions' status and dead letters); the
    /// Orleans Dashboard's web part; ready while the cluster answers.
    /// </summary>
    public static WebApplicationBuilder AddAtesFrontend(this WebApplicationBuilder builder)
    {
        var settings = AtesSettings.Read(builder.Configuration);
        if (!settings.OnPostgres)
        {
            throw new InvalidOperationException(
                "The separate frontend needs Ates:Storage=Postgres and ConnectionStrings:Ates: it finds the silos in the database's membership " +
                "table. With the embedded journal the silo serves the web client itself (dotnet run --project Silo).");
        }
        var connectionString = AtesSettings.PostgresConnectionString(builder.Configuration);
        var tls = ClusterTls.Certificate(settings, required: true);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning).AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.Services.AddHostedService<JournalOpenedFirst>();
        builder.UseOrleansClient(client =>
        {
            client.AddActivityPropagation();
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (settings.Orleans.ClusterId, settings.Orleans.ServiceId));
            client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (AtesSettings.PostgresInvariant, connectionString));
            if (tls is not null) client.UseClusterTls(tls);
            // New silos are found within seconds; a gateway that drops is left at once and the others carry on.
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            // A request whose silo died mid-call is answered within 2 s (a 503 with Retry-After, which a client retries with
            // its Idempotency-Key), not after Orleans' 30 s: the gateway that forwarded a call does not track it, so only the
            // caller's timeout ends it (1 s: Orleans sweeps for expired calls periodically, so an answer
            // comes up to about half a second later). Methods that run long say so with [ResponseTimeout] (shuffle, day close, audit).
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = builder.Configuration.GetValue("Ates:Frontend:CallTimeout", TimeSpan.FromSeconds(1)));
            // Started before any silo (or while all restart): keep trying rather than exit.
            client.UseConnectionRetryFilter(async (exception, ct) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                return true;
            });
            client.AddDashboard(o => o.HideTrace = true);
        });
        builder.Services.AddJournalReading(sp => PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = connectionString },
            sp.GetRequiredService<ILogger<PostgresJournal>>()).GetAwaiter().GetResult());
        foreach (var name in SubscriptionNames.All) builder.Services.AddJournalSubscriptionView(name);
        builder.Services.AddHealthChecks().AddCheck<ClusterAnswers>("cluster", tags: ["ready"]);
        return builder;
    }
}

/// <summary>
/// Opens the journal before Orleans starts: on PostgreSQL its migrations create the tables and queries Orleans'
/// ADO.NET providers read, and a database that is missing fails the start with its own error.
/// </summary>
public sealed class JournalOpenedFirst(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<IJournalStore>(); // the store's factory opens (and migrates) it
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Ready while a silo answers this frontend (one cheap call to the management grain).</summary>
internal sealed class ClusterAnswers(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var silos = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return silos.Count > 0 ? HealthCheckResult.Healthy($"{silos.Count} active silo(s)") : HealthCheckResult.Unhealthy("no active silo");
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("the cluster does not answer", ex);
        }
    }
}
