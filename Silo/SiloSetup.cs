using System.Net;
using System.Net.Mail;
using System.Net.Sockets;
using Ates.Grains;
using Ates.Journal;
using Ates.Silo.Apis;
using Ates.Storage.Hosting;
using Ates.Storage.Journal;
using Ates.Storage.Postgres;
using Ates.Storage.Sqlite;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Storage;

namespace Ates.Silo;

/// <summary>Configuration section "Ates" (environment Ates__Key).</summary>
public sealed class AtesSettings
{
    public string Storage { get; set; } = "Embedded";
    public string? DataDirectory { get; set; } = "./data";
    public string BusinessTimeZone { get; set; } = "UTC";

    /// <summary>
    /// Shifts the business clock (event times, business days, the day close) from the machine's, e.g. "05:30:00" or
    /// "-1.00:00:00": for rehearsing a midnight or a month end on a test deployment. Zero in production.
    /// </summary>
    public TimeSpan ClockOffset { get; set; }

    /// <summary>Creates the demo users on first start (default: on with the embedded journal, off with Postgres).</summary>
    public bool? SeedDemoUsers { get; set; }

    /// <summary>The first admin, registered at start when no user has its email.</summary>
    public BootstrapAdminSettings BootstrapAdmin { get; set; } = new();

    public OrleansSettings Orleans { get; set; } = new();
}

public sealed class BootstrapAdminSettings
{
    public string? Email { get; set; }
    public string? Password { get; set; }
    public string Name { get; set; } = "Admin";
}

/// <summary>
/// Ates:Orleans: the silo's own address and ports (free ports when unset, so several silos start on one host with
/// nothing different but their HTTP port) and its cluster. Ates:Orleans:Membership binds Orleans'
/// ClusterMembershipOptions over our defaults (see <see cref="SiloSetup.Membership"/>).
/// </summary>
public sealed class OrleansSettings
{
    public int? SiloPort { get; set; }
    public int? GatewayPort { get; set; }

    /// <summary>The address other silos and clients reach this one at (default: loopback for a single host).</summary>
    public string? AdvertisedAddress { get; set; }

    public string ClusterId { get; set; } = "ates";
    public string ServiceId { get; set; } = "ates";
}

public static class SiloSetup
{
    public const string Embedded = "Embedded";
    public const string Postgres = "Postgres";

    /// <summary>
    /// The Orleans silo inside this ASP.NET Core app: the journal (SQLite file by default, PostgreSQL with
    /// Ates:Storage=Postgres), its log-consistency provider and one journal stream provider per subscription, snapshots
    /// and reminders in memory, the aTES domain, the Orleans Dashboard, and the users every fresh store needs.
    /// Bad settings stop the silo at start with a message naming the key.
    /// </summary>
    public static WebApplicationBuilder AddAtesSilo(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("Ates").Get<AtesSettings>() ?? new AtesSettings();
        var storage = settings.Storage?.Trim() ?? "";
        var onPostgres = string.Equals(storage, Postgres, StringComparison.OrdinalIgnoreCase);
        if (!onPostgres && !string.Equals(storage, Embedded, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Ates:Storage '{settings.Storage}' is not known; set it to Embedded or Postgres.");
        }

        string? connectionString = null;
        if (onPostgres)
        {
            connectionString = FirstSet(builder.Configuration.GetConnectionString("Ates"), builder.Configuration["Ates:ConnectionStrings:Ates"])
                ?? throw new InvalidOperationException(
                    "Ates:Storage is Postgres but no connection string is set: set ConnectionStrings:Ates " +
                    "(environment ConnectionStrings__Ates, or Ates:ConnectionStrings:Ates), e.g. \"Host=db;Username=ates;Password=…;Database=ates\".");
        }
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
            if (onPostgres)
            {
                silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (settings.Orleans.ClusterId, settings.Orleans.ServiceId));
                silo.ConfigureEndpoints(address, siloPort, gatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(address));
                silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (PostgresInvariant, connectionString));
                silo.AddAdoNetGrainStorage(JournalNames.Snapshots, o => (o.Invariant, o.ConnectionString) = (PostgresInvariant, connectionString));
                silo.UseAdoNetReminderService(o => (o.Invariant, o.ConnectionString) = (PostgresInvariant, connectionString));
                silo.Services.AddKeyedSingleton<IGrainStorageSerializer>(JournalNames.Snapshots,
                    (sp, _) => new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>()));
                silo.Services.AddOptions<ClusterMembershipOptions>().Configure(Membership).Bind(builder.Configuration.GetSection("Ates:Orleans:Membership"));
            }
            else
            {
                silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: settings.Orleans.ServiceId, clusterId: settings.Orleans.ClusterId);
                // Snapshots are a cache of the journal, so memory will do on one silo; reminders are registered at every start.
                silo.AddMemoryGrainStorage(JournalNames.Snapshots);
                silo.UseInMemoryReminderService();
            }
            silo.AddJournal(sp => onPostgres
                ? PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = connectionString! }, sp.GetRequiredService<ILogger<PostgresJournal>>())
                    .GetAwaiter().GetResult()
                : dataDirectory is null
                    ? new Storage.Memory.InMemoryJournal()
                    : SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = dataDirectory }, sp.GetRequiredService<ILogger<SqliteJournal>>()));
            silo.AddAtesDomain(o =>
            {
                o.BusinessTimeZone = settings.BusinessTimeZone;
                if (settings.ClockOffset != TimeSpan.Zero) o.Clock = new ShiftedClock(settings.ClockOffset);
            });
            foreach (var subscription in DomainSubscriptions.All) silo.AddJournalSubscription(subscription);
            silo.AddDashboard(o => o.HideTrace = true); // its trace streams every log line to the browser
            if (admin is not null) silo.AddStartupTask(admin.EnsureAsync);
            // Demo users have well-known passwords: only the single-machine embedded journal seeds them unasked.
            if (settings.SeedDemoUsers ?? !onPostgres) silo.AddStartupTask(DemoUsers.SeedAsync);
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

    private const string PostgresInvariant = "Npgsql";

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

    private static string? FirstSet(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    /// <summary>A port nothing listens on now (the OS picks it), for a silo or gateway port that is not configured.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in app.Urls) app.Logger.LogInformation("Ates is listening on {Url}", url);
        });
        return app;
    }
}

/// <summary>Opens the journal before the silo starts (see AddAtesSilo), so a database that is missing fails the start with its own error.</summary>
internal sealed class JournalOpenedFirst(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<IJournalStore>(); // the store's factory opens (and migrates) it
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The machine's clock moved by Ates:ClockOffset (durations and timers are the machine's).</summary>
internal sealed class ShiftedClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
}

/// <summary>Ready while the silo is an active member of its cluster.</summary>
internal sealed class SiloHealthCheck(ISiloStatusOracle silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(silo.CurrentStatus == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {silo.SiloAddress} active")
            : HealthCheckResult.Unhealthy($"silo {silo.SiloAddress} is {silo.CurrentStatus}"));
}
