namespace Ates.Client.Hosting;

/// <summary>Configuration section "Ates" (environment Ates__Key).</summary>
public sealed class AtesSettings
{
    public const string Embedded = "Embedded";
    public const string Postgres = "Postgres";

    /// <summary>The ADO.NET invariant of Orleans' clustering, grain storage and reminders on PostgreSQL.</summary>
    public const string PostgresInvariant = "Npgsql";

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

    public KeyRingSettings KeyRing { get; set; } = new();

    /// <summary>Proxies whose X-Forwarded-* headers are believed, besides loopback: addresses or networks (10.89.0.0/24).</summary>
    public string[] KnownProxies { get; set; } = [];

    public MetricsSettings Metrics { get; set; } = new();

    public LiveSettings Live { get; set; } = new();

    public IntegrationSettings Integration { get; set; } = new();

    /// <summary>The "Ates" section, checked: an unknown storage stops the host with a message naming the key.</summary>
    public static AtesSettings Read(IConfiguration configuration)
    {
        var settings = configuration.GetSection("Ates").Get<AtesSettings>() ?? new AtesSettings();
        var storage = settings.Storage?.Trim() ?? "";
        if (!string.Equals(storage, Postgres, StringComparison.OrdinalIgnoreCase) && !string.Equals(storage, Embedded, StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"Ates:Storage '{settings.Storage}' is not known; set it to Embedded or Postgres.");
        return settings;
    }

    public bool OnPostgres => string.Equals(Storage?.Trim(), Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>ConnectionStrings:Ates (or Ates:ConnectionStrings:Ates); required on PostgreSQL.</summary>
    public static string PostgresConnectionString(IConfiguration configuration) =>
        new[] { configuration.GetConnectionString("Ates"), configuration["Ates:ConnectionStrings:Ates"] }.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))
        ?? throw new InvalidOperationException(
            "Ates:Storage is Postgres but no connection string is set: set ConnectionStrings:Ates " +
            "(environment ConnectionStrings__Ates, or Ates:ConnectionStrings:Ates), e.g. \"Host=db;Username=ates;Password=…;Database=ates\".");

    /// <summary>The business clock: the machine's, moved by <see cref="ClockOffset"/>.</summary>
    public TimeProvider BusinessClock() => ClockOffset == TimeSpan.Zero ? TimeProvider.System : new ShiftedClock(ClockOffset);
}

public sealed class MetricsSettings
{
    /// <summary>/metrics for admins only (default: open, as Prometheus scrapes without credentials).</summary>
    public bool RequireAdmin { get; set; }
}

public sealed class LiveSettings
{
    /// <summary>Quiet time after which the live feed sends a comment line, so proxies keep it open.</summary>
    public TimeSpan KeepAlive { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>Ates:Integration: the feed of every journal event to other systems (off unless Event Hubs is configured).</summary>
public sealed class IntegrationSettings
{
    public EventHubsSettings EventHubs { get; set; } = new();
}

/// <summary>
/// Ates:Integration:EventHubs: where Orleans' Event Hubs stream provider publishes the feed, and the Azure table where
/// that provider keeps its partition checkpoints (Orleans reads the hub back through its pulling agents).
/// </summary>
public sealed class EventHubsSettings
{
    public string? ConnectionString { get; set; }
    public string? EventHubName { get; set; }
    public string ConsumerGroup { get; set; } = "$Default";
    public string? CheckpointConnectionString { get; set; }
    public string CheckpointTable { get; set; } = "atesintegration";

    public bool Configured => !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>Stops the silo at start, naming the key, when the feed is half configured.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(EventHubName)) throw new InvalidOperationException("Ates:Integration:EventHubs:ConnectionString is set but Ates:Integration:EventHubs:EventHubName is not.");
        if (string.IsNullOrWhiteSpace(CheckpointConnectionString))
            throw new InvalidOperationException("Ates:Integration:EventHubs:ConnectionString is set but Ates:Integration:EventHubs:CheckpointConnectionString (an Azure Storage account for the checkpoints) is not.");
    }
}

/// <summary>Ates:KeyRing: what encrypts the keys that sign cookies and tokens, at rest (Client/Gateway/SharedKeyRing.cs).</summary>
public sealed class KeyRingSettings
{
    /// <summary>A PFX file (with <see cref="Password"/>) that every silo and frontend of the cluster shares.</summary>
    public string? Certificate { get; set; }

    public string? Password { get; set; }

    /// <summary>Without a certificate: a file of our own (created 0600 when missing); default: in the data directory, embedded only.</summary>
    public string? KeyFile { get; set; }
}

public sealed class BootstrapAdminSettings
{
    public string? Email { get; set; }
    public string? Password { get; set; }
    public string Name { get; set; } = "Admin";
}

/// <summary>
/// Ates:Orleans: a silo's own address and ports (free ports when unset, so several silos start on one host with
/// nothing different but their HTTP port) and the cluster it belongs to (a frontend connects to the same ids).
/// Ates:Orleans:Membership binds Orleans' ClusterMembershipOptions over the silo's defaults (Silo/SiloSetup.cs).
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

/// <summary>The machine's clock moved by Ates:ClockOffset (durations and timers are the machine's).</summary>
public sealed class ShiftedClock(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
}
