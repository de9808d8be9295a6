using Ates.Grains;
using Ates.Runtime;
using Ates.Runtime.Storage.Embedded;

namespace Ates.Silo;

/// <summary>Configuration section "Ates" (env Ates__Key), as DESIGN.md "Cross-cutting" lists it.</summary>
public sealed class AtesSettings
{
    public string Storage { get; set; } = "Embedded";
    public string? DataDirectory { get; set; } = "./data";
    public int Partitions { get; set; } = 16;
    public string BusinessTimeZone { get; set; } = "UTC";

    /// <summary>Creates the demo users on first start (default: on with the embedded store).</summary>
    public bool? SeedDemoUsers { get; set; }
}

public static class RuntimeSetup
{
    public static WebApplicationBuilder AddAtesRuntime(this WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection("Ates").Get<AtesSettings>() ?? new AtesSettings();
        if (!string.Equals(settings.Storage, "Embedded", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Ates:Storage '{settings.Storage}' is not available in this build; use Embedded.");
        }

        builder.Services.AddAtesSilo(silo =>
        {
            silo.AddAtesDomain(o => o.BusinessTimeZone = settings.BusinessTimeZone);
            if (settings.SeedDemoUsers ?? true) silo.AddStartupTask(DemoUsers.SeedAsync);
            silo.Configure(o => o.Partitions = settings.Partitions);
            silo.UseEmbeddedStore(new EmbeddedStoreOptions
            {
                // Relative to the content root (the Silo folder under `dotnet run`), not to wherever the shell stood.
                DataDirectory = string.IsNullOrWhiteSpace(settings.DataDirectory)
                    ? null
                    : Path.GetFullPath(settings.DataDirectory, builder.Environment.ContentRootPath),
                Partitions = settings.Partitions,
            });
        });
        builder.Services.AddHealthChecks().AddCheck<SiloHealthCheck>("silo", tags: ["ready"]);
        return builder;
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

internal sealed class SiloHealthCheck(Ates.Runtime.Silo silo) : Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck
{
    public Task<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult> CheckHealthAsync(
        Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(silo.IsRunning
            ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Healthy($"silo {silo.Id}")
            : Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckResult.Unhealthy("silo not running"));
}
