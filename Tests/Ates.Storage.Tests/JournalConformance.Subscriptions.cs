namespace Ates.Storage.Tests;

// The contract's subscription state: checkpoints within an epoch, and dead letters.
public abstract partial class JournalConformance
{
    [Fact]
    public async Task A_checkpoint_starts_at_the_beginning_moves_only_forward_and_restarts_under_a_new_epoch()
    {
        var journal = await OpenAsync();
        var start = await journal.ReadCheckpointAsync("billing", 3);
        (start.Position, start.Owner).ShouldBe((JournalPosition.Start, null));
        var epoch = start.Epoch;
        (await journal.ReadEpochAsync("billing")).ShouldBe(epoch);

        (await journal.AdvanceCheckpointAsync(start with { Position = new JournalPosition(0, 10), Owner = "silo-a" })).ShouldBeTrue();
        (await journal.AdvanceCheckpointAsync(start with { Position = new JournalPosition(0, 7), Owner = "silo-b" })).ShouldBeFalse();
        (await journal.AdvanceCheckpointAsync(start with { Position = new JournalPosition(0, 10), Owner = "silo-b" })).ShouldBeFalse();
        var moved = await journal.ReadCheckpointAsync("billing", 3);
        (moved.Position, moved.Owner).ShouldBe((new JournalPosition(0, 10), "silo-a"));
        (await journal.ReadCheckpointAsync("billing", 4)).Position.ShouldBe(JournalPosition.Start);
        (await journal.ReadCheckpointAsync("accounting", 3)).Position.ShouldBe(JournalPosition.Start);
        (await journal.ReadCheckpointsAsync("billing")).Select(c => c.Queue).ShouldBe([3]);

        var next = await journal.RestartSubscriptionAsync("billing");
        next.ShouldBeGreaterThan(epoch);
        (await journal.ReadCheckpointAsync("billing", 3)).ShouldSatisfyAllConditions(
            c => c.Position.ShouldBe(JournalPosition.Start), c => c.Epoch.ShouldBe(next));
        // A queue reader of the old epoch can no longer move anything.
        (await journal.AdvanceCheckpointAsync(moved with { Position = new JournalPosition(0, 20) })).ShouldBeFalse();
        (await journal.ReadCheckpointAsync("billing", 3)).Position.ShouldBe(JournalPosition.Start);
        (await journal.AdvanceCheckpointAsync(moved with { Epoch = next, Position = new JournalPosition(0, 2) })).ShouldBeTrue();
        (await journal.ReadCheckpointsAsync("billing")).Single().Position.ShouldBe(new JournalPosition(0, 2));
    }

    [Fact]
    public async Task Concurrent_checkpoint_moves_leave_the_furthest()
    {
        var journal = await OpenAsync();
        var start = await journal.ReadCheckpointAsync("analytics", 0);
        await Task.WhenAll(Enumerable.Range(1, 50).Select(i => Task.Run(() =>
            journal.AdvanceCheckpointAsync(start with { Position = new JournalPosition(0, i), Owner = $"silo-{i}" }))));

        var final = await journal.ReadCheckpointAsync("analytics", 0);
        (final.Position, final.Owner).ShouldBe((new JournalPosition(0, 50), "silo-50"));
    }

    [Fact]
    public async Task A_dead_letter_is_parked_once_per_subscription_and_event_and_can_be_removed()
    {
        var journal = await OpenAsync();
        var result = await journal.AppendAsync("task/a", 0, [Event()]);
        var e = (await journal.ReadStreamAsync("task/a", 0, 1)).Single();
        var first = new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);
        DeadLetter Letter(string subscription, string error, DateTimeOffset at) =>
            new(Guid.NewGuid(), subscription, "billing.account/1", e.EventId, e.StreamId, e.StreamVersion, result.LastPosition, e.Type, error, 1, at, at);

        await journal.ParkAsync(Letter("billing", "it broke", first));
        await journal.ParkAsync(Letter("billing", "it broke again", first.AddMinutes(5)));
        await journal.ParkAsync(Letter("analytics", "elsewhere", first));

        var letters = await journal.ListDeadLettersAsync();
        letters.Count.ShouldBe(2);
        var billing = letters.Single(d => d.Subscription == "billing");
        (billing.Error, billing.Attempts, billing.FirstFailedAt, billing.LastFailedAt).ShouldBe(("it broke again", 2, first, first.AddMinutes(5)));
        (billing.Target, billing.EventId, billing.StreamVersion, billing.Position).ShouldBe(("billing.account/1", e.EventId, 1L, result.LastPosition));

        (await journal.RemoveDeadLetterAsync(billing.Id)).ShouldBeTrue();
        (await journal.RemoveDeadLetterAsync(billing.Id)).ShouldBeFalse();
        (await journal.ListDeadLettersAsync()).Single().Subscription.ShouldBe("analytics");
    }
}
