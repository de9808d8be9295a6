using System.Diagnostics.Metrics;
using Ates.Grains.Interfaces;
using Ates.Storage.Streams;
using Ates.Client.Gateway;
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
        if (AtesSettings.Read(app.Configuration).Metrics.RequireAdmin) metrics.RequireUser(Roles.Admin);
        return app;
    }
}

/// <summary>
/// Each subscription's lag (events not yet delivered) and how old its oldest undelivered event is, as each silo sees the
/// queues it serves (from its tails in memory: a scrape reads nothing from the journal), and the dead letters, counted
/// every few seconds.
/// </summary>
internal sealed class SubscriptionGauges : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);
    private readonly Subscriptions _subscriptions;
    private readonly TimeProvider _time;
    private readonly ILogger<SubscriptionGauges> _logger;
    private volatile int _deadLetters;

    public SubscriptionGauges(Subscriptions subscriptions, LocalQueues queues, IMeterFactory meters, TimeProvider time, ILogger<SubscriptionGauges> logger)
    {
        (_subscriptions, _time, _logger) = (subscriptions, time, logger);
        var meter = meters.Create(AtesTelemetry.Name);
        // Each silo reports the queues it serves, from its tails in memory: sum the lag over silos, take the largest age.
        meter.CreateObservableGauge("ates.subscription.lag", () => queues.Lags().GroupBy(l => l.Subscription)
                .Select(s => new Measurement<long>(s.Sum(l => l.Pending), Tag(s.Key))), "{event}",
            "Journal events the subscription's queues on this silo have not delivered yet.");
        meter.CreateObservableGauge("ates.subscription.watermark_age", () => queues.Lags().GroupBy(l => l.Subscription)
                .Select(s => new Measurement<double>(s.Min(l => l.Earliest) is { } earliest ? Math.Max(0, (_time.GetUtcNow() - earliest).TotalSeconds) : 0, Tag(s.Key))), "s",
            "How long ago the oldest event the subscription's queues on this silo have not delivered occurred.");
        meter.CreateObservableGauge("ates.dead_letters", () => _deadLetters, "{event}", "Events parked after failing their subscription.");
    }

    private static KeyValuePair<string, object?> Tag(string subscription) => new("subscription", subscription);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, _time);
        do
        {
            try
            {
                _deadLetters = (await _subscriptions.DeadLettersAsync(stoppingToken)).Count;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogDebug(ex, "The dead-letter gauge was not refreshed; the next period tries again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
