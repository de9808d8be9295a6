using Ates.Grains.Interfaces;
using Ates.Client.Gateway;
using Ates.Storage.Streams;
using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Dashboard;

namespace Ates.Client.Apis;

public sealed record SiloView(string Address, string Name, string Status, DateTimeOffset StartedAt);

public sealed record PartitionView(int Partition, string Position, string? Silo, DateTimeOffset? UpdatedAt);

/// <param name="Lag">Journal events the subscription has not delivered yet (counted up to 10,000).</param>
public sealed record SubscriptionView(string Name, DateTimeOffset Watermark, long Lag, long Epoch, IReadOnlyList<PartitionView> Partitions);

public sealed record ClusterView(IReadOnlyList<SiloView> Silos, IReadOnlyList<SubscriptionView> Subscriptions, int DeadLetters, int? Activations);

/// <summary>
/// The operator's view: /api/cluster (admin) from Orleans' membership and the journal stream provider, the Orleans
/// Dashboard at /dashboard (admin). /metrics is OpenTelemetry's (Client/Hosting/Telemetry.cs).
/// </summary>
public static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        app.MapGet("/api/cluster", ClusterAsync).RequireUser(Roles.Admin).WithTags("Operations").WithName("GetCluster").WithSummary("Get the cluster's state")
            .WithDescription("The silos, each subscription's queues (who serves them, how far they have delivered), the dead letters and the activations.");

        // The dashboard's page and its JSON routes read grain state and statistics: admins only, checked on every call.
        app.MapOrleansDashboard(routePrefix: "/dashboard").RequireUser(Roles.Admin).ExcludeFromDescription();
        return app;
    }

    private static async Task<Ok<ClusterView>> ClusterAsync(IGrainFactory grains, Subscriptions subscriptions)
    {
        var management = grains.GetGrain<IManagementGrain>(0);
        var silos = (await management.GetDetailedHosts(onlyActive: false))
            .OrderBy(s => s.StartTime)
            .Select(s => new SiloView(s.SiloAddress.ToString(), s.SiloName, s.Status.ToString(), new DateTimeOffset(s.StartTime, TimeSpan.Zero)))
            .ToList();
        var views = (await subscriptions.StatusAsync()).Select(s => new SubscriptionView(s.Name, s.Watermark, s.Pending, s.Epoch,
            s.Queues.Select(q => new PartitionView(q.Queue, q.Position.ToString(), q.Owner, q.Owner is null ? null : q.UpdatedAt)).ToList())).ToList();
        return TypedResults.Ok(new ClusterView(silos, views, (await subscriptions.DeadLettersAsync()).Count, await ActivationsAsync(management)));
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
}
