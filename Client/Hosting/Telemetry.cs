using System.Diagnostics.Metrics;
using Ates.Grains.Interfaces;
using Ates.Storage.Streams;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Ates.Client.Hosting;

/// <summary>
/// OpenTelemetry for every host of the gateway (README "Operations"): metrics from ASP.NET Core, HttpClient, the
/// runtime, Orleans ("Microsoft.Orleans") and Ates' own meter, scraped at /metrics; traces from the HTTP request through
/// Orleans' grain calls, the journal append and the subscriptions' deliveries, and logs, exported by OTLP when the
/// standard OTEL_EXPORTER_OTLP_* settings name an endpoint. Without one, no tracer listens, so no span is even created.
/// </summary>
public static class Telemetry
{
    /// <summary>The activity sources of one trace: Ates' own and Orleans' grain calls (activity propagation is on).</summary>
    public static readonly string[] TraceSources = [AtesTelemetry.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static WebApplicationBuilder AddAtesTelemetry(this WebApplicationBuilder builder)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] ?? "ates", serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Microsoft.Orleans", AtesTelemetry.Name)
                .AddPrometheusExporter());
        if (OtlpConfigured(builder.Configuration))
        {
            otel.WithTracing(tracing => tracing.AddSource(TraceSources).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation());
            otel.UseOtlpExporter();
        }
        builder.Services.AddHostedService<SubscriptionGauges>();
        return builder;
    }

    public static bool OtlpConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);

    /// <summary>/metrics in Prometheus' text format; admins only when Ates:Metrics:RequireAdmin (checked against the current role).</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        var metrics = app.MapPrometheusScrapingEndpoint("/metrics");
        if (AtesSettings.Read(app.Configuration).Metrics.RequireAdmin) metrics.RequireAuthorization(Gateway.Auth.AdminPolicy);
        return app;
    }
}

/// <summary>
/// Each subscription's lag (events not yet delivered), how old its watermark is, and the dead letters, as gauges. They
/// are read from the journal every few seconds, not per scrape, so an open /metrics costs the cluster nothing extra.
/// </summary>
internal sealed class SubscriptionGauges : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);
    private readonly Subscriptions _subscriptions;
    private readonly TimeProvider _time;
    private readonly ILogger<SubscriptionGauges> _logger;
    private volatile Snapshot _last = new([], 0, DateTimeOffset.MinValue);

    public SubscriptionGauges(Subscriptions subscriptions, IMeterFactory meters, TimeProvider time, ILogger<SubscriptionGauges> logger)
    {
        (_subscriptions, _time, _logger) = (subscriptions, time, logger);
        var meter = meters.Create(AtesTelemetry.Name);
        meter.CreateObservableGauge("ates.subscription.lag", () => _last.Subscriptions.Select(s => new Measurement<long>(s.Pending, Tag(s.Name))), "{event}",
            "Journal events the subscription has not delivered yet (counted up to 10,000).");
        meter.CreateObservableGauge("ates.subscription.watermark_age", () => _last.Subscriptions.Select(s =>
                new Measurement<double>(Math.Max(0, (_time.GetUtcNow() - s.Watermark).TotalSeconds), Tag(s.Name))), "s",
            "How far behind now the subscription's watermark is.");
        meter.CreateObservableGauge("ates.dead_letters", () => _last.DeadLetters, "{event}", "Events parked after failing their subscription.");
    }

    private static KeyValuePair<string, object?> Tag(string subscription) => new("subscription", subscription);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, _time);
        do
        {
            try
            {
                _last = new Snapshot(await _subscriptions.StatusAsync(ct: stoppingToken), (await _subscriptions.DeadLettersAsync(stoppingToken)).Count, _time.GetUtcNow());
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogDebug(ex, "Subscription gauges not refreshed; the next period tries again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private sealed record Snapshot(IReadOnlyList<SubscriptionStatus> Subscriptions, int DeadLetters, DateTimeOffset At);
}
