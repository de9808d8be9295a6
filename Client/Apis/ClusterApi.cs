using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Ates.Grains.Interfaces;
using Ates.Client.Gateway;
using Ates.Storage.Streams;
using Orleans.Dashboard;

namespace Ates.Client.Apis;

public sealed record SiloView(string Address, string Name, string Status, DateTimeOffset StartedAt);

public sealed record PartitionView(int Partition, string Position, string? Silo, DateTimeOffset? UpdatedAt);

/// <param name="Lag">Journal events the subscription has not delivered yet (counted up to 10,000).</param>
public sealed record SubscriptionView(string Name, DateTimeOffset Watermark, long Lag, long Epoch, IReadOnlyList<PartitionView> Partitions);

public sealed record ClusterView(IReadOnlyList<SiloView> Silos, IReadOnlyList<SubscriptionView> Subscriptions, int DeadLetters, int? Activations);

/// <summary>
/// The operator's view: /api/cluster (admin) from Orleans' membership and the journal stream provider, the Orleans
/// Dashboard at /dashboard (admin), and /metrics (Prometheus text).
/// </summary>
public static class ClusterApi
{
    private static readonly ConcurrentDictionary<(string Method, int Status), long> Requests = new();

    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        app.MapGet("/api/cluster", ClusterAsync).RequireUser(Roles.Admin).WithTags("Operations");

        // The dashboard's page and its JSON routes read grain state and statistics: admins only, checked on every call.
        app.MapOrleansDashboard(routePrefix: "/dashboard").RequireAuthorization(Auth.AdminPolicy).ExcludeFromDescription();

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

    private static async Task<ClusterView> ClusterAsync(IGrainFactory grains, Subscriptions subscriptions)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var silos = (await management.GetDetailedHosts(onlyActive: false))
            .OrderBy(s => s.StartTime)
            .Select(s => new SiloView(s.SiloAddress.ToString(), s.SiloName, s.Status.ToString(), new DateTimeOffset(s.StartTime, TimeSpan.Zero)))
            .ToList();
        var views = (await subscriptions.StatusAsync()).Select(s => new SubscriptionView(s.Name, s.Watermark, s.Pending, s.Epoch,
            s.Queues.Select(q => new PartitionView(q.Queue, q.Position.ToString(), q.Owner, q.Owner is null ? null : q.UpdatedAt)).ToList())).ToList();
        return new ClusterView(silos, views, (await subscriptions.DeadLettersAsync()).Count, await ActivationsAsync(management));
    }

    /// <summary>
    /// Asks every silo, so it fails while a silo that died is not declared dead yet — exactly when an operator looks:
    /// the rest of the view (from the membership table and the journal) is still shown, without the count.
    /// </summary>
    private static async Task<int?> ActivationsAsync(IManagementGrain management)
    {
        try
        {
            return await management.GetTotalActivationCount().WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            return null;
        }
    }

    private static (DateTimeOffset At, Task<ClusterView> View)? _scraped;

    private static async Task<IResult> MetricsAsync(IGrainFactory grains, Subscriptions subscriptions, TimeProvider time)
    {
        // Scrapes are open to anyone by default, so the cluster is asked at most every 5 s whatever the scrape rate.
        var now = time.GetUtcNow();
        var scraped = _scraped;
        if (scraped is null || now - scraped.Value.At > TimeSpan.FromSeconds(5) || scraped.Value.View.IsFaulted)
            _scraped = scraped = (now, ClusterAsync(grains, subscriptions));
        var cluster = await scraped.Value.View;
        var text = new StringBuilder();
        void Metric(string name, string type, string help, IEnumerable<(string Labels, double Value)> samples)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
            text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
            foreach (var (labels, value) in samples)
                text.Append(name).Append(labels.Length == 0 ? "" : $"{{{labels}}}").Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
        if (cluster.Activations is { } activations) Metric("ates_activations", "gauge", "Grain activations in the cluster.", [("", activations)]);
        Metric("ates_silos_active", "gauge", "Silos Orleans' membership counts active.", [("", cluster.Silos.Count(s => s.Status == nameof(SiloStatus.Active)))]);
        Metric("ates_subscription_pending_events", "gauge", "Journal events the subscription has not delivered (counted up to 10000).",
            cluster.Subscriptions.Select(s => ($"subscription=\"{s.Name}\"", (double)s.Lag)));
        Metric("ates_subscription_watermark_lag_seconds", "gauge", "How far behind now the subscription's watermark is.",
            cluster.Subscriptions.Select(s => ($"subscription=\"{s.Name}\"", Math.Max(0, (time.GetUtcNow() - s.Watermark).TotalSeconds))));
        Metric("ates_dead_letters", "gauge", "Events parked after failing their subscription.", [("", cluster.DeadLetters)]);
        Metric("ates_http_requests_total", "counter", "HTTP responses by method and status.",
            Requests.OrderBy(r => r.Key.Method).ThenBy(r => r.Key.Status).Select(r => ($"method=\"{r.Key.Method}\",status=\"{r.Key.Status}\"", (double)r.Value)));
        return Results.Text(text.ToString(), "text/plain; version=0.0.4; charset=utf-8");
    }
}
