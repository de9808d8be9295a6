using System.Net.Mail;
using Ates.Grains;
using Ates.Runtime;
using Ates.Runtime.Storage.Embedded;
using Ates.Runtime.Storage.Postgres;
using Ates.Silo.Apis;

namespace Ates.Silo;

/// <summary>Configuration section "Ates" (env Ates__Key), as DESIGN.md "Cross-cutting" lists it.</summary>
public sealed class AtesSettings
{
    public string Storage { get; set; } = "Embedded";
    public string? DataDirectory { get; set; } = "./data";
    public int Partitions { get; set; } = 16;
    public string BusinessTimeZone { get; set; } = "UTC";

    /// <summary>Creates the demo users on first start (default: on with the embedded store, off with Postgres).</summary>
    public bool? SeedDemoUsers { get; set; }

    /// <summary>The first admin, registered at start when no user has its email.</summary>
    public BootstrapAdminSettings BootstrapAdmin { get; set; } = new();
}

public sealed class BootstrapAdminSettings
{
    public string? Email { get; set; }
    public string? Password { get; set; }
    public string Name { get; set; } = "Admin";
}

public static class RuntimeSetup
{
    public const string Embedded = "Embedded";
    public const string Postgres = "Postgres";

    public static WebApplicationBuilder AddAtesRuntime(this WebApplicationBuilder builder)
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

        builder.Services.AddAtesSilo(silo =>
        {
            silo.AddAtesDomain(o => o.BusinessTimeZone = settings.BusinessTimeZone);
            if (admin is not null) silo.AddStartupTask(admin.EnsureAsync);
            // Demo users have well-known passwords: only the single-machine embedded store seeds them unasked.
            if (settings.SeedDemoUsers ?? !onPostgres) silo.AddStartupTask(DemoUsers.SeedAsync);
            silo.Configure(o => o.Partitions = settings.Partitions);
            if (onPostgres)
            {
                silo.UsePostgresStore(new PostgresStoreOptions { ConnectionString = connectionString!, Partitions = settings.Partitions });
            }
            else
            {
                silo.UseEmbeddedStore(new EmbeddedStoreOptions
                {
                    // Relative to the content root (the Silo folder under `dotnet run`), not to wherever the shell stood.
                    DataDirectory = string.IsNullOrWhiteSpace(settings.DataDirectory)
                        ? null
                        : Path.GetFullPath(settings.DataDirectory, builder.Environment.ContentRootPath),
                    Partitions = settings.Partitions,
                });
            }
        });
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

internal sealed class SiloHealthCheck(Ates.Runtime.Silo silo) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(silo.IsRunning
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy($"silo {silo.Id}")
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("silo not running"));
}
