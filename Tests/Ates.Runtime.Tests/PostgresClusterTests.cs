using System.Diagnostics;
using Ates.Runtime.Storage.Postgres;
using Ates.Runtime.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace Ates.Runtime.Tests;

/// <summary>Several silos on one real PostgreSQL, with the production lease TTL and heartbeat unless a test says otherwise.</summary>
public sealed class PostgresClusterTests(ITestOutputHelper output) : IAsyncLifetime
{
    private PostgresTestServer _server = null!;

    public async Task InitializeAsync() => _server = await PostgresTestServer.SharedAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static Func<TimeProvider, IAtesStore> Store(string connectionString, PostgresStoreOptions? options = null) => time =>
        PostgresStore.OpenAsync((options ?? new PostgresStoreOptions { ConnectionString = connectionString }) with { ConnectionString = connectionString }, time)
            .GetAwaiter().GetResult();

    /// <summary>
    /// What a tally has applied, read from its stream: any silo may host the tally that a partition's owner feeds, so an
    /// activation elsewhere may be behind; the store is not.
    /// </summary>
    private static async Task<long> StoredTallyAsync(TestCluster cluster, string key) =>
        (await cluster.Store.ReadStreamAsync($"tally/{key}", 0, 100_000))
            .Sum(e => System.Text.Json.JsonSerializer.Deserialize<TallyCounted>(e.Data, JsonEventSerializer.Options)!.Amount);

    [Fact]
    public async Task A_silo_killed_mid_stream_has_its_partitions_taken_over_within_ten_seconds_with_nothing_lost_or_applied_twice()
    {
        var database = await _server.CreateDatabaseAsync();
        // Default HeartbeatPeriod (1 s) and LeaseTtl (5 s): the killed silo's lease session is ended by the server's idle timeout.
        await using var cluster = await Clusters.StartAsync(silos: 2, tally: true, store: Store(database));
        var takeover = await ClusterTests.KillOneSiloMidStreamAsync(cluster);
        output.WriteLine($"takeover after kill: {takeover.TotalSeconds:F2} s");
        takeover.ShouldBeLessThanOrEqualTo(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Two_silos_writing_the_same_grain_never_lose_an_update()
    {
        var database = await _server.CreateDatabaseAsync();
        await using var cluster = await Clusters.StartAsync(silos: 2, store: Store(database));
        await JournaledGrainTests.TwoSilosWriteOneGrainAsync(cluster);
    }

    [Fact]
    public async Task A_long_open_transaction_delays_later_events_but_never_loses_its_own()
    {
        // A server of its own: an open transaction holds back the readers of every database on its server.
        await using var server = await PostgresTestServer.StartThrowawayAsync();
        var database = await server.CreateDatabaseAsync();
        await using var cluster = await Clusters.StartAsync(silos: 2, tally: true, store: Store(database));
        var key = Guid.NewGuid().ToString();
        var counter = cluster.GrainFactory.GetGrain<ICounterGrain>(key);
        await counter.Add(1);
        await Probe.UntilAsync("tally", async () => await StoredTallyAsync(cluster, key) == 1);

        // A slow writer: its transaction takes an id and a position now and commits much later, after others.
        await using var slow = new NpgsqlConnection(database);
        await slow.OpenAsync();
        await using var transaction = await slow.BeginTransactionAsync();
        var slowKey = Guid.NewGuid().ToString();
        var slowEvent = Guid.CreateVersion7();
        await using (var insert = new NpgsqlCommand("""
            insert into ates_streams (stream_id, version) values (@stream, 1);
            insert into ates_events (stream_id, stream_version, partition, event_id, type, version, data, occurred_at)
            values (@stream, 1, @partition, @id, 'counter.added', 1, convert_to('{"amount":100}', 'UTF8'), now())
            """, slow, transaction))
        {
            insert.Parameters.AddWithValue("stream", $"counter/{slowKey}");
            insert.Parameters.AddWithValue("partition", Partitioning.PartitionOf($"counter/{slowKey}", cluster.Store.Partitions));
            insert.Parameters.AddWithValue("id", slowEvent);
            await insert.ExecuteNonQueryAsync();
        }

        // Later appends commit and are acknowledged, but no reader may pass them while the slow transaction is open,
        // or it would pass the slow event's smaller position before that commits (how position-only readers lose events).
        for (var i = 0; i < 10; i++) await counter.Add(1);
        var visible = await cluster.Store.ReadAllAsync(LogPosition.Start, 1000);
        visible.Count(e => e.StreamNamespace == "counter").ShouldBe(1);
        (await StoredTallyAsync(cluster, key)).ShouldBe(1);

        await transaction.CommitAsync();
        await Probe.UntilAsync("tally", async () => await StoredTallyAsync(cluster, key) == 11, TimeSpan.FromSeconds(20));
        await Probe.UntilAsync("tally", async () => await StoredTallyAsync(cluster, slowKey) == 100, TimeSpan.FromSeconds(20));
        (await cluster.Store.ReadAllAsync(LogPosition.Start, 1000)).Select(e => e.EventId).ShouldContain(slowEvent);
    }

    [Fact]
    public async Task A_database_restart_in_the_middle_of_a_load_is_survived_by_every_silo_with_nothing_acknowledged_lost()
    {
        await using var server = await PostgresTestServer.StartThrowawayAsync();
        var database = await server.CreateDatabaseAsync();
        await using var cluster = await Clusters.StartAsync(silos: 2, tally: true, store: Store(database), options: o =>
        {
            o.HeartbeatPeriod = TimeSpan.FromMilliseconds(200);
            o.LeaseTtl = TimeSpan.FromSeconds(2);
        });
        var keys = Enumerable.Range(0, 16).Select(i => $"{i}-{Guid.NewGuid()}").ToArray();
        var acknowledged = new long[keys.Length];
        var failed = 0;
        using var stop = new CancellationTokenSource();
        var acknowledgedAfterRestart = 0;
        var restarted = false;

        // 4 writers per silo keep adding while the server goes away and comes back.
        var writers = cluster.Silos.SelectMany((silo, s) => Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var k = (s * 4 + w + i * 8) % keys.Length;
                try
                {
                    await silo.GrainFactory.GetGrain<ICounterGrain>(keys[k]).Add(1);
                    Interlocked.Increment(ref acknowledged[k]);
                    if (Volatile.Read(ref restarted)) Interlocked.Increment(ref acknowledgedAfterRestart);
                }
                catch (Exception ex) when (ex is StoreUnavailableException or VersionConflictException or TimeoutException or NpgsqlException)
                {
                    Interlocked.Increment(ref failed); // refused or unknown outcome: never counted as acknowledged
                }
            }
        }))).ToArray();

        await Probe.UntilAsync("never", () => Task.FromResult(acknowledged.Sum() >= 300), TimeSpan.FromSeconds(30));
        var restartWatch = Stopwatch.StartNew();
        await server.RestartAsync(TimeSpan.FromSeconds(1));
        Volatile.Write(ref restarted, true);
        await Probe.UntilAsync("never", () => Task.FromResult(Volatile.Read(ref acknowledgedAfterRestart) >= 300), TimeSpan.FromSeconds(30));
        await stop.CancelAsync();
        await Task.WhenAll(writers);
        output.WriteLine($"acknowledged {acknowledged.Sum()} (after restart {acknowledgedAfterRestart}), failed {failed}, back after {restartWatch.Elapsed.TotalSeconds:F1} s");

        // Every silo is still running and serves calls; every subscription partition is leased again.
        cluster.Silos.Count.ShouldBe(2);
        foreach (var silo in cluster.Silos) (await silo.GrainFactory.GetGrain<ICounterGrain>(keys[0]).Get()).ShouldBeGreaterThanOrEqualTo(0);
        await Probe.UntilAsync("never", () => Task.FromResult(
            cluster.Silos.Sum(s => s.HeldLeases.Count(l => l.StartsWith("sub:tally:", StringComparison.Ordinal))) == 16), TimeSpan.FromSeconds(30));

        // An outage is not a poison event: nothing was parked.
        (await cluster.Store.ReadDeadLettersAsync()).Select(d => d.Error).ShouldBeEmpty();

        // Nothing acknowledged is lost: each counter's stream holds at least what was acknowledged (an append whose
        // outcome was unknown to its caller may have landed), and the tally agrees with the stream, once each.
        for (var k = 0; k < keys.Length; k++)
        {
            var stored = (await cluster.Store.ReadStreamAsync($"counter/{keys[k]}", 0, 100_000)).Count;
            stored.ShouldBeGreaterThanOrEqualTo((int)acknowledged[k]);
            var key = keys[k];
            await Probe.UntilAsync("tally", async () => await StoredTallyAsync(cluster, key) == stored, TimeSpan.FromSeconds(30));
        }
    }
}
