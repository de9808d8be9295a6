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

namespace Ates.Silo;

/// <summary>Configuration section "Ates" (environment Ates__Key).</summary>
public sealed class AtesSettings
{
    public string Storage { get; set; } = "Embedded";
    public string? DataDirectory { get; set; } = "./data";
    public string BusinessTimeZone { get; set; } = "UTC";

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

/// <summary>Ates:Orleans: the silo's own ports (free ones when unset, so several silos start on one host) and its cluster.</summary>
public sealed class OrleansSettings
{
    public int? SiloPort { get; set; }
    public int? GatewayPort { get; set; }
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

        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, serviceId: settings.Orleans.ServiceId, clusterId: settings.Orleans.ClusterId);
            silo.AddJournal(sp => onPostgres
                ? PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = connectionString! }, sp.GetRequiredService<ILogger<PostgresJournal>>())
                    .GetAwaiter().GetResult()
                : dataDirectory is null
                    ? new Storage.Memory.InMemoryJournal()
                    : SqliteJournal.Open(new SqliteJournalOptions { DataDirectory = dataDirectory }, sp.GetRequiredService<ILogger<SqliteJournal>>()));
            // Snapshots are a cache of the journal, so memory will do on one silo; reminders are registered at every start.
            silo.AddMemoryGrainStorage(JournalNames.Snapshots);
            silo.UseInMemoryReminderService();
            silo.AddAtesDomain(o => o.BusinessTimeZone = settings.BusinessTimeZone);
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

/// <summary>Ready while the silo is an active member of its cluster.</summary>
internal sealed class SiloHealthCheck(ISiloStatusOracle silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(silo.CurrentStatus == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {silo.SiloAddress} active")
            : HealthCheckResult.Unhealthy($"silo {silo.SiloAddress} is {silo.CurrentStatus}"));
}
