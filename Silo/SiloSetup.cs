using System.Net;
using System.Net.Mail;
using System.Net.Sockets;
using Ates.Client.Apis;
using Ates.Client.Hosting;
using Ates.Storage.Postgres;
using Ates.Storage.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Configuration;

namespace Ates.Silo;

public static class SiloSetup
{
    /// <summary>
    /// The Orleans silo inside this ASP.NET Core app: its clustering (one machine, or a cluster on PostgreSQL with
    /// Ates:Storage=Postgres), Ates on it (<see cref="AtesSiloBuilderExtensions"/>)
    /// on the journal these settings choose (SQLite file by default, in memory without a data directory, PostgreSQL),
    /// the integration feed when configured, and the users every fresh store needs.
    /// Bad settings stop the silo at start with a message naming the key.
    /// </summary>
    public static WebApplicationBuilder AddAtesSilo(this WebApplicationBuilder builder)
    {
        var settings = AtesSettings.Read(builder.Configuration);
        var onPostgres = settings.OnPostgres;
        var connectionString = onPostgres ? AtesSettings.PostgresConnectionString(builder.Configuration) : null;
        var admin = BootstrapAdminFrom(settings.BootstrapAdmin);
        var dataDirectory = string.IsNullOrWhiteSpace(settings.DataDirectory)
            ? null
            // Relative to the content root (the Silo folder under `dotnet run`), not to wherever the shell stood.
            : Path.GetFullPath(settings.DataDirectory, builder.Environment.ContentRootPath);
        var siloPort = settings.Orleans.SiloPort ?? FreePort();
        var gatewayPort = settings.Orleans.GatewayPort ?? FreePort();
        var address = AdvertisedAddress(settings.Orleans);

        // On PostgreSQL the journal's migrations create the tables and queries of Orleans' ADO.NET providers: open it
        // (and so migrate) before the silo starts joining its cluster.
        if (onPostgres) builder.Services.AddHostedService<JournalOpenedFirst>();
        builder.UseOrleans(silo =>
        {
            // One trace from the HTTP request through every grain call (spans only when a tracer listens).
            silo.AddActivityPropagation();
            // The request's correlation id on every log line a grain writes, consumers' included.
            silo.AddIncomingGrainCallFilter<CorrelationLogScope>();
            if (onPostgres)
            {
                silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (settings.Orleans.ClusterId, settings.Orleans.ServiceId));
                silo.ConfigureEndpoints(address, siloPort, gatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
                silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (AtesSettings.PostgresInvariant, connectionString));
                silo.Services.AddOptions<ClusterMembershipOptions>().Configure(Membership).Bind(builder.Configuration.GetSection("Ates:Orleans:Membership"));
            }
            else
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: settings.Orleans.ServiceId, clusterId: settings.Orleans.ClusterId);
            }
            silo.AddAtes(sp => onPostgres
                    ? PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = connectionString! }, sp.GetRequiredService<ILogger<PostgresJournal>>())
                        .GetAwaiter().GetResult()
                    : dataDirectory is null
                        ? new Storage.Memory.InMemoryJournal()
                        : SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = dataDirectory }, sp.GetRequiredService<ILogger<SqliteJournal>>()),
                o =>
                {
                    o.PostgresConnectionString = connectionString;
                    o.Domain = domain =>
                    {
                        domain.BusinessTimeZone = settings.BusinessTimeZone;
                        domain.Clock = settings.BusinessClock();
                    };
                });
            if (settings.Integration.EventHubs.Configured) silo.AddIntegrationFeedOnEventHubs(settings.Integration.EventHubs);
            if (admin is not null) silo.AddStartupTask(admin.EnsureAsync);
            // Demo users have well-known passwords: seeded unasked only by a developer's embedded run (README's command).
            if (settings.SeedDemoUsers ?? (!onPostgres && builder.Environment.IsDevelopment())) silo.AddStartupTask(DemoUsers.SeedAsync);
            else silo.AddStartupTask((services, _) => DemoUsers.SayWhoSignsInFirst(services, admin?.Email));
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        builder.Services.AddHealthChecks().AddCheck<SiloHealthCheck>("silo", tags: ["ready"]);
        return builder;
    }

    /// <summary>Checks Ates:BootstrapAdmin when the host is built, so a bad value stops the silo before it serves anything.</summary>
    private static BootstrapAdmin? BootstrapAdminFrom(BootstrapAdminSettings settings)
    {
        var email = settings.Email?.Trim();
        var password = settings.Password;
        if (string.IsNullOrEmpty(email) && string.IsNullOrEmpty(password)) return null;
        if (string.IsNullOrEmpty(password))
            throw new InvalidOperationException("Ates:BootstrapAdmin:Email is set but Ates:BootstrapAdmin:Password is not; set both (environment Ates__BootstrapAdmin__Password) or neither.");
        if (string.IsNullOrEmpty(email))
            throw new InvalidOperationException("Ates:BootstrapAdmin:Password is set but Ates:BootstrapAdmin:Email is not; set both (environment Ates__BootstrapAdmin__Email) or neither.");
        if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email)
            throw new InvalidOperationException($"Ates:BootstrapAdmin:Email '{email}' is not a valid email address.");
        if (password.Length < UserApi.MinPassword)
            throw new InvalidOperationException($"Ates:BootstrapAdmin:Password is too short: a password is at least {UserApi.MinPassword} characters.");
        if (password.Length > AuthApi.MaxPassword)
            throw new InvalidOperationException($"Ates:BootstrapAdmin:Password is too long: sign-in accepts at most {AuthApi.MaxPassword} characters.");
        if (string.IsNullOrWhiteSpace(settings.Name) || settings.Name.Trim().Length > 100)
            throw new InvalidOperationException("Ates:BootstrapAdmin:Name is 1 to 100 characters.");
        return new BootstrapAdmin(email, password, settings.Name.Trim());
    }


    /// <summary>
    /// How fast a silo that stops answering is declared dead, so its grains and stream queues move to the others:
    /// probes every second, dead after two missed probes and two votes (one when only two silos are left), so a
    /// SIGKILLed silo is gone in about 2–3 s rather than Orleans' default 10–30 s. The price: a silo that stalls for
    /// two seconds (a long GC pause, an overloaded host) is declared dead too, and kills itself when it learns it.
    /// Operators on busy hosts raise Ates:Orleans:Membership:ProbeTimeout.
    /// </summary>
    public static void Membership(ClusterMembershipOptions o)
    {
        o.ProbeTimeout = TimeSpan.FromSeconds(1);
        o.NumMissedProbesLimit = 2;
        o.NumVotesForDeathDeclaration = 2;
        // Degradation on a loaded host would stretch the probes again.
        o.ExtendProbeTimeoutDuringDegradation = false;
        o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
        o.TableRefreshTimeout = TimeSpan.FromSeconds(10);
    }

    private static IPAddress AdvertisedAddress(OrleansSettings settings)
    {
        if (string.IsNullOrWhiteSpace(settings.AdvertisedAddress)) return IPAddress.Loopback;
        if (IPAddress.TryParse(settings.AdvertisedAddress.Trim(), out var parsed)) return parsed;
        // A host name (a container's or pod's): its first IPv4 address.
        var addresses = Dns.GetHostAddresses(settings.AdvertisedAddress.Trim());
        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException($"Ates:Orleans:AdvertisedAddress '{settings.AdvertisedAddress}' does not resolve to an address.");
    }

    /// <summary>A port nothing listens on now (the OS picks it), for a silo or gateway port that is not configured.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Ready while the silo is an active member of its cluster.</summary>
internal sealed class SiloHealthCheck(ISiloStatusOracle silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(silo.CurrentStatus == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {silo.SiloAddress} active")
            : HealthCheckResult.Unhealthy($"silo {silo.SiloAddress} is {silo.CurrentStatus}"));
}
