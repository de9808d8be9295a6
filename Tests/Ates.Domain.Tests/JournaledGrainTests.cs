using Ates.Storage.EventSourcing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Storage;

namespace Ates.Domain.Tests;

/// <summary>
/// The journal's log-consistency provider under Orleans' JournaledGrain: state rebuilt from a snapshot in grain storage
/// plus the events after it, a snapshot that no longer fits ignored, events stored with their metadata.
/// </summary>
public sealed class JournaledGrainTests
{
    private static async Task<GrainState<JournalSnapshot>> SnapshotOfAsync(DomainCluster ates, GrainId grain)
    {
        var storage = ates.Services().GetRequiredKeyedService<IGrainStorage>(JournalNames.Snapshots);
        var state = new GrainState<JournalSnapshot>();
        await storage.ReadStateAsync(JournalNames.Snapshots, grain, state);
        return state;
    }

    [Fact]
    public async Task A_reactivated_grain_starts_from_its_snapshot_and_applies_the_events_after_it()
    {
        await using var ates = await DomainCluster.StartAsync(silos: 1);
        var registry = ates.Registry(0);
        for (var i = 0; i < 130; i++) await ates.UserAsync(Roles.Worker, $"Worker {i:000}");

        var snapshot = await SnapshotOfAsync(ates, registry.GetGrainId());
        snapshot.RecordExists.ShouldBeTrue();
        snapshot.State!.Version.ShouldBe(100); // the registry snapshots every 100 events
        snapshot.State.StreamId.ShouldBe("users/default");

        await ates.Cluster.DeactivateAsync(registry);
        var users = await ates.Registry(0).List();
        users.Count.ShouldBe(130);
        users.Select(u => u.Name).Order().ShouldBe(Enumerable.Range(0, 130).Select(i => $"Worker {i:000}"));
    }

    [Fact]
    public async Task A_snapshot_that_no_longer_reads_is_ignored_and_the_stream_replayed()
    {
        await using var ates = await DomainCluster.StartAsync(silos: 1);
        var registry = ates.Registry(0);
        for (var i = 0; i < 105; i++) await ates.UserAsync(Roles.Worker);
        var storage = ates.Services().GetRequiredKeyedService<IGrainStorage>(JournalNames.Snapshots);
        var snapshot = await SnapshotOfAsync(ates, registry.GetGrainId());
        snapshot.State = snapshot.State! with { State = """{"Users":"an older shape"}"""u8.ToArray() };
        await storage.WriteStateAsync(JournalNames.Snapshots, registry.GetGrainId(), snapshot);

        await ates.Cluster.DeactivateAsync(registry);

        (await ates.Registry(0).List()).Count.ShouldBe(105);
        (await ates.Registry(0).AssignableUserIds()).Count.ShouldBe(105);
    }

    [Fact]
    public async Task Raised_events_are_stored_as_their_json_contract_with_time_correlation_and_actor()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero));
        await using var ates = await DomainCluster.StartAsync(silos: 1, clock: clock);
        UserDto user;
        using (CallContext.Begin("corr-77", actorUserId: "actor-9"))
        {
            user = await ates.Registry(0).Register("json@ates.test", "Jay Son", Roles.Worker, "hash");
        }

        var stored = (await ates.Journal.ReadStreamAsync("users/default", 0, 10)).Single();
        (stored.Type, stored.Version, stored.StreamVersion).ShouldBe(("user.registered", 1, 1L));
        (stored.Metadata.OccurredAt, stored.Metadata.CorrelationId, stored.Metadata.ActorUserId).ShouldBe((clock.GetUtcNow(), "corr-77", "actor-9"));
        System.Text.Encoding.UTF8.GetString(stored.Data).ShouldContain("\"name\":\"Jay Son\"");
        user.CreatedAt.ShouldBe(clock.GetUtcNow()); // the fold sees the event's own time
    }
}
