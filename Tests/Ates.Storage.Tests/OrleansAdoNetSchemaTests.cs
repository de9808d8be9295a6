using System.Net;
using Ates.Storage.Postgres;
using Ates.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.Membership;
using Orleans.Runtime.MembershipService;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Ates.Storage.Tests;

/// <summary>
/// Our PostgreSQL schema (Storage/Postgres/Migrations/0002_orleans.sql) under Orleans' own ADO.NET providers, 10.4.2:
/// what clustering, reminders and grain storage ask of it, including the answers that keep two writers apart.
/// </summary>
public sealed class OrleansAdoNetSchemaTests
{
    private const string Invariant = "Npgsql";

    private static async Task<string> MigratedDatabaseAsync()
    {
        var database = await (await PostgresTestServer.SharedAsync()).CreateDatabaseAsync();
        await (await PostgresJournal.OpenAsync(new PostgresJournalOptions { ConnectionString = database })).DisposeAsync();
        return database;
    }

    private static AdoNetClusteringTable Membership(string database, string clusterId) => new(
        new ServiceCollection().BuildServiceProvider(),
        Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "ates" }),
        Options.Create(new AdoNetClusteringSiloOptions { Invariant = Invariant, ConnectionString = database }),
        NullLogger<AdoNetClusteringTable>.Instance);

    private static MembershipEntry Silo(int port, SiloStatus status, DateTime now) => new()
    {
        SiloAddress = SiloAddress.New(new IPEndPoint(IPAddress.Loopback, port), 7),
        Status = status,
        ProxyPort = port + 1,
        HostName = "host",
        SiloName = $"silo-{port}",
        StartTime = now,
        IAmAliveTime = now,
    };

    [Fact]
    public async Task Membership_joins_and_status_changes_move_the_version_once_and_a_stale_version_changes_nothing()
    {
        var database = await MigratedDatabaseAsync();
        var table = Membership(database, "c1");
        await table.InitializeMembershipTableAsync(true);
        await Membership(database, "c1").InitializeMembershipTableAsync(true); // a second silo starting: no new version row

        var empty = await table.ReadAllAsync();
        empty.Members.ShouldBeEmpty();
        empty.Version.Version.ShouldBe(0);

        var now = DateTime.UtcNow;
        var first = Silo(11111, SiloStatus.Joining, now);
        (await table.InsertRowAsync(first, empty.Version.Next())).ShouldBeTrue();
        // Another silo that read version 0 too: refused, and nothing of it is stored.
        (await table.InsertRowAsync(Silo(22222, SiloStatus.Joining, now), empty.Version.Next())).ShouldBeFalse();
        // The same silo twice: refused.
        var one = await table.ReadAllAsync();
        (await table.InsertRowAsync(first, one.Version.Next())).ShouldBeFalse();

        one = await table.ReadAllAsync();
        one.Version.Version.ShouldBe(1);
        one.Members.Select(m => m.Item1.SiloAddress).ShouldBe([first.SiloAddress]);
        var stored = one.Members[0].Item1;
        stored.SiloName.ShouldBe("silo-11111");
        stored.ProxyPort.ShouldBe(11112);
        stored.StartTime.ShouldBe(now, TimeSpan.FromMilliseconds(1));

        var second = Silo(22222, SiloStatus.Joining, now);
        (await table.InsertRowAsync(second, one.Version.Next())).ShouldBeTrue();

        var two = await table.ReadAllAsync();
        var active = Silo(11111, SiloStatus.Active, now);
        active.AddOrUpdateSuspector(second.SiloAddress, now, maxVotes: 2);
        (await table.UpdateRowAsync(active, two.Version.VersionEtag, two.Version.Next())).ShouldBeTrue();
        // Decided on the version before: refused.
        (await table.UpdateRowAsync(Silo(11111, SiloStatus.Dead, now), two.Version.VersionEtag, two.Version.Next())).ShouldBeFalse();
        // A silo the table does not have: refused, and the version stays.
        var three = await table.ReadAllAsync();
        (await table.UpdateRowAsync(Silo(33333, SiloStatus.Active, now), three.Version.VersionEtag, three.Version.Next())).ShouldBeFalse();

        var row = await table.ReadRowAsync(first.SiloAddress);
        row.Version.Version.ShouldBe(3);
        var read = row.Members.ShouldHaveSingleItem().Item1;
        read.Status.ShouldBe(SiloStatus.Active);
        read.SuspectTimes.ShouldHaveSingleItem().Item1.ShouldBe(second.SiloAddress);
        (await table.ReadRowAsync(SiloAddress.New(new IPEndPoint(IPAddress.Loopback, 1), 1))).Members.ShouldBeEmpty();

        // The heartbeat moves only the I-am-alive time.
        var later = now.AddSeconds(10);
        await table.UpdateIAmAliveAsync(new MembershipEntry { SiloAddress = first.SiloAddress, IAmAliveTime = later });
        var beat = await table.ReadAllAsync();
        beat.Version.Version.ShouldBe(3);
        beat.Members.Single(m => m.Item1.SiloAddress.Equals(first.SiloAddress)).Item1.IAmAliveTime.ShouldBe(later, TimeSpan.FromMilliseconds(1));
        // Another cluster on the same database sees none of it.
        var other = Membership(database, "c2");
        await other.InitializeMembershipTableAsync(true);
        (await other.ReadAllAsync()).Members.ShouldBeEmpty();
    }

    [Fact]
    public async Task Clients_are_given_the_gateways_of_active_silos_only_and_old_dead_silos_are_cleaned_up()
    {
        var database = await MigratedDatabaseAsync();
        var table = Membership(database, "ates");
        await table.InitializeMembershipTableAsync(true);
        var old = DateTime.UtcNow.AddDays(-10);
        foreach (var (port, status, at) in new[] { (1000, SiloStatus.Active, DateTime.UtcNow), (2000, SiloStatus.Dead, old), (3000, SiloStatus.Dead, DateTime.UtcNow), (4000, SiloStatus.Joining, DateTime.UtcNow) })
        {
            var version = (await table.ReadAllAsync()).Version;
            (await table.InsertRowAsync(Silo(port, status, at), version.Next())).ShouldBeTrue();
        }

        var services = new ServiceCollection()
            .Configure<ClusterOptions>(o => o.ClusterId = "ates")
            .Configure<AdoNetClusteringClientOptions>(o => (o.Invariant, o.ConnectionString) = (Invariant, database))
            .Configure<GatewayOptions>(_ => { })
            .AddLogging()
            .BuildServiceProvider();
        var gateways = ActivatorUtilities.CreateInstance<AdoNetGatewayListProvider>(services);
        await gateways.InitializeGatewayListProvider();
        (await gateways.GetGateways()).Select(g => g.Port).ShouldBe([1001]);

        await table.CleanupDefunctSiloEntriesAsync(DateTimeOffset.UtcNow.AddDays(-1));
        (await table.ReadAllAsync()).Members.Select(m => m.Item1.SiloAddress.Endpoint.Port).Order().ShouldBe([1000, 3000, 4000]);
    }

    [Fact]
    public async Task Reminders_are_stored_per_service_read_by_grain_and_by_ring_range_and_removed_only_at_their_version()
    {
        var database = await MigratedDatabaseAsync();
        await using var cluster = await ClusterAsync(database);
        var reminders = cluster.GetActiveSilos().First().ServiceProvider.GetRequiredService<IReminderTable>();
        var grain = GrainId.Create("billingclock", "default");
        var start = new DateTime(2026, 11, 30, 0, 0, 0, DateTimeKind.Utc);

        var etag = await reminders.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "close-days", StartAt = start, Period = TimeSpan.FromMinutes(1) });
        var changed = await reminders.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "close-days", StartAt = start, Period = TimeSpan.FromDays(40) });
        changed.ShouldNotBe(etag);
        await reminders.UpsertRow(new ReminderEntry { GrainId = GrainId.Create("other", "1"), ReminderName = "r", StartAt = start, Period = TimeSpan.FromSeconds(5) });

        var row = (await reminders.ReadRow(grain, "close-days")).ShouldNotBeNull();
        row.Period.ShouldBe(TimeSpan.FromDays(40)); // more milliseconds than an int holds
        row.StartAt.ShouldBe(start);
        row.ETag.ShouldBe(changed);
        (await reminders.ReadRow(grain, "nothing")).ShouldBeNull();
        (await reminders.ReadRows(grain)).Reminders.Select(r => r.ReminderName).ShouldBe(["close-days"]);

        var hash = grain.GetUniformHashCode();
        (await reminders.ReadRows(hash - 1, hash)).Reminders.Select(r => r.GrainId).ShouldContain(grain);
        (await reminders.ReadRows(hash, hash - 1)).Reminders.Select(r => r.GrainId).ShouldNotContain(grain); // the ring but (hash - 1, hash]
        (await reminders.ReadRows(0, 0)).Reminders.Count.ShouldBe(2); // the whole ring

        (await reminders.RemoveRow(grain, "close-days", etag!)).ShouldBeFalse();
        (await reminders.RemoveRow(grain, "close-days", changed!)).ShouldBeTrue();
        (await reminders.ReadRow(grain, "close-days")).ShouldBeNull();
    }

    [Fact]
    public async Task Grain_state_is_written_once_per_version_and_concurrent_first_writes_store_one()
    {
        var database = await MigratedDatabaseAsync();
        await using var cluster = await ClusterAsync(database);
        var storage = cluster.GetActiveSilos().First().ServiceProvider.GetRequiredKeyedService<IGrainStorage>("state");
        GrainId[] grains = [GrainId.Create("task", "3f0c6a52-0000-7000-8000-000000000001"), GrainId.Create("counter", "42"), GrainId.Create("account", Guid.NewGuid().ToString("N"))];

        foreach (var grain in grains)
        {
            var state = new GrainState<Probe>(new Probe("first", 1));
            await storage.WriteStateAsync("snapshot", grain, state);
            state.ETag.ShouldNotBeNull();
            state.RecordExists.ShouldBeTrue();

            // A writer that never read it: refused, first stays.
            await Should.ThrowAsync<InconsistentStateException>(() => storage.WriteStateAsync("snapshot", grain, new GrainState<Probe>(new Probe("blind", 0))));
            var stale = state.ETag;
            state.State = new Probe("second", 2);
            await storage.WriteStateAsync("snapshot", grain, state);
            state.ETag.ShouldNotBe(stale);
            await Should.ThrowAsync<InconsistentStateException>(() => storage.WriteStateAsync("snapshot", grain, new GrainState<Probe>(new Probe("stale", 0)) { ETag = stale, RecordExists = true }));

            var read = new GrainState<Probe>();
            await storage.ReadStateAsync("snapshot", grain, read);
            read.State.ShouldBe(new Probe("second", 2));
            read.ETag.ShouldBe(state.ETag);

            // Cleared: gone for readers, and a write at the cleared version stores again.
            await storage.ClearStateAsync("snapshot", grain, read);
            var cleared = new GrainState<Probe>();
            await storage.ReadStateAsync("snapshot", grain, cleared);
            cleared.RecordExists.ShouldBeFalse();
            cleared.State = new Probe("third", 3);
            await storage.WriteStateAsync("snapshot", grain, cleared);
            var again = new GrainState<Probe>();
            await storage.ReadStateAsync("snapshot", grain, again);
            again.State.ShouldBe(new Probe("third", 3));
        }

        var contested = GrainId.Create("contested", "1");
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await storage.WriteStateAsync("snapshot", contested, new GrainState<Probe>(new Probe("writer", i)));
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        }));
        outcomes.Count(won => won).ShouldBe(1);
    }

    private static async Task<InProcessTestCluster> ClusterAsync(string database)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((_, host) => host.Logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseAdoNetReminderService(o => (o.Invariant, o.ConnectionString) = (Invariant, database));
            silo.AddAdoNetGrainStorage("state", o => (o.Invariant, o.ConnectionString) = (Invariant, database));
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}

[GenerateSerializer, Alias("ates.tests.probe-state")]
public sealed record Probe([property: Id(0)] string Name, [property: Id(1)] int N);
