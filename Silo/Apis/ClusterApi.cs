using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Ates.Grains.Interfaces;
using Ates.Runtime;
using Ates.Silo.Gateway;

namespace Ates.Silo.Apis;

public sealed record SiloView(string Id, string Address, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, string Status, bool Live);

public sealed record ClusterView(string ThisSilo, int Activations, IReadOnlyList<string> Leases, IReadOnlyList<SiloView> Silos,
    IReadOnlyList<SubscriptionStatus> Subscriptions, int DeadLetters);

/// <summary>The operator's view: /api/cluster (admin), the /dashboard page (admin) and /metrics (Prometheus text).</summary>
public static class ClusterApi
{
    private static readonly ConcurrentDictionary<(string Method, int Status), long> Requests = new();

    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        app.MapGet("/api/cluster", ClusterAsync).RequireUser(Roles.Admin).WithTags("Operations");

        app.MapGet("/dashboard", () =>
        {
            var page = Path.Combine(AppContext.BaseDirectory, "webclient", "dashboard.html");
            return File.Exists(page) ? Results.File(page, "text/html; charset=utf-8") : Errors.Problem(404, "The dashboard page is not deployed.");
        }).RequireUser(Roles.Admin).ExcludeFromDescription();

        var metrics = app.MapGet("/metrics", MetricsAsync).ExcludeFromDescription();
        if (configuration.GetValue("Ates:Metrics:RequireAdmin", false)) metrics.RequireUser(Roles.Admin);
        return app;
    }

    /// <summary>Counts every response by method and status, for /metrics.</summary>
    public static IApplicationBuilder UseRequestCounting(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        finally
        {
            Requests.AddOrUpdate((context.Request.Method, context.Response.StatusCode), 1, (_, n) => n + 1);
        }
    });

    private static async Task<ClusterView> ClusterAsync(Ates.Runtime.Silo silo, IAtesStore store, SubscriptionOperations subscriptions, TimeProvider time, RuntimeOptions options)
    {
        var now = time.GetUtcNow();
        var silos = (await store.ReadSilosAsync()).OrderBy(s => s.StartedAt)
            .Select(s => new SiloView(s.SiloId, s.Address, s.StartedAt, s.HeartbeatAt, s.Status.ToString(), s.Status == SiloStatus.Active && s.HeartbeatAt > now - options.LeaseTtl))
            .ToList();
        return new ClusterView(silo.Id, silo.ActivationCount, silo.HeldLeases.Order(StringComparer.Ordinal).ToList(), silos,
            await subscriptions.GetStatusAsync(), (await subscriptions.ListDeadLettersAsync()).Count);
    }

    private static (DateTimeOffset At, Task<ClusterView> View)? _scraped;

    private static async Task<IResult> MetricsAsync(Ates.Runtime.Silo silo, IAtesStore store, SubscriptionOperations subscriptions, TimeProvider time, RuntimeOptions options)
    {
        // Scrapes are open to anyone by default, so the store is asked at most every 5 s whatever the scrape rate.
        var now = time.GetUtcNow();
        var scraped = _scraped;
        if (scraped is null || now - scraped.Value.At > TimeSpan.FromSeconds(5) || scraped.Value.View.IsFaulted)
            _scraped = scraped = (now, ClusterAsync(silo, store, subscriptions, time, options));
        var cluster = await scraped.Value.View;
        var text = new StringBuilder();
        void Metric(string name, string type, string help, IEnumerable<(string Labels, double Value)> samples)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, value) in samples)
                text.Append(name).Append(labels.Length == 0 ? "" : $"{{{labels}}}").Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        var siloLabel = $"silo=\"{cluster.ThisSilo}\"";
        Metric("ates_activations", "gauge", "Grain activations on this silo.", [(siloLabel, cluster.Activations)]);
        Metric("ates_leases_held", "gauge", "Subscription and reminder partition leases this silo holds.", [(siloLabel, cluster.Leases.Count)]);
        Metric("ates_silos_live", "gauge", "Silos with a fresh heartbeat.", [("", cluster.Silos.Count(s => s.Live))]);
        Metric("ates_subscription_pending_events", "gauge", "Events not yet processed by the subscription (counted up to 10000 per partition).",
            cluster.Subscriptions.Select(s => ($"subscription=\"{s.Name}\"", (double)s.PendingEvents)));
        Metric("ates_subscription_watermark_lag_seconds", "gauge", "How far behind now the subscription's watermark is.",
            cluster.Subscriptions.Select(s => ($"subscription=\"{s.Name}\"", Math.Max(0, (time.GetUtcNow() - s.Watermark).TotalSeconds))));
        Metric("ates_dead_letters", "gauge", "Events parked after failing their subscription.", [("", cluster.DeadLetters)]);
        Metric("ates_http_requests_total", "counter", "HTTP responses by method and status.",
            Requests.OrderBy(r => r.Key.Method).ThenBy(r => r.Key.Status).Select(r => ($"method=\"{r.Key.Method}\",status=\"{r.Key.Status}\"", (double)r.Value)));
        return Results.Text(text.ToString(), "text/plain; version=0.0.4; charset=utf-8");
    }
}
