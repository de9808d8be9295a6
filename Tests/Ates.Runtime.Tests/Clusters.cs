using Microsoft.Extensions.DependencyInjection;
using Ates.Runtime.Storage.Embedded;
using Ates.Runtime.Testing;

namespace Ates.Runtime.Tests;

/// <summary>How the tests start clusters of the test grains.</summary>
public static class Clusters
{
    public static readonly SubscriptionDefinition Tally =
        SubscriptionDefinition.ToGrains<ITallyGrain>("tally", e => e.StreamNamespace == "counter" ? e.StreamKey : null);

    /// <summary>Tallies of "batched" streams, whose events of one batch go to their grain together.</summary>
    public static readonly SubscriptionDefinition BatchedTally =
        new("batched-tally", (e, services) => e.StreamNamespace == "batched" ? services.GetRequiredService<IGrainFactory>().GetGrain<ITallyGrain>(e.StreamKey) : null)
        {
            ConcurrentStreams = true,
        };

    public static Task<TestCluster> StartAsync(
        int silos = 1,
        TimeProvider? time = null,
        string? dataDirectory = null,
        Action<RuntimeOptions>? options = null,
        bool tally = false,
        Func<TimeProvider, IAtesStore>? store = null) =>
        TestCluster.StartAsync(new TestClusterOptions
        {
            InitialSilos = silos,
            Time = time ?? TimeProvider.System,
            CreateStore = store ?? (dataDirectory is null ? null : t => EmbeddedStore.Open(new EmbeddedStoreOptions { DataDirectory = dataDirectory }, t)),
            ConfigureSilo = silo =>
            {
                silo.AddGrains(typeof(Clusters).Assembly);
                silo.Configure(o =>
                {
                    o.RetryBackoff = TimeSpan.Zero;
                    // Tests on a manual clock jump hours at a time; leases are not what they test, so keep them from lapsing.
                    if (time is ManualTimeProvider) o.LeaseTtl = TimeSpan.FromDays(365);
                    options?.Invoke(o);
                });
                if (tally)
                {
                    silo.AddSubscription(Tally);
                    silo.AddSubscription(BatchedTally);
                }
            },
        });

    public static string NewDataDirectory() => Directory.CreateTempSubdirectory("ates-test-").FullName;
}
