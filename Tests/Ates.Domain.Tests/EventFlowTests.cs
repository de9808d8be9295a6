using Ates.Grains.Interfaces;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace Ates.Domain.Tests;

public sealed class EventFlowTests
{
    [Fact]
    public async Task A_correlation_id_set_on_a_request_reaches_the_ledger_entry_analytics_and_the_inbox()
    {
        await using var ates = await DomainCluster.StartAsync();
        var manager = await ates.UserAsync(Roles.Manager);
        var worker = await ates.UserAsync(Roles.Worker);

        TaskDto task;
        using (CallContext.Begin("corr-4711", actorUserId: manager.Id.ToString()))
        {
            task = await ates.CreateTaskAsync(manager.Id);
        }
        await ates.SettledAsync();

        var taskEvents = await ates.EventsAsync($"task/{task.Id:N}");
        taskEvents.ShouldAllBe(e => e.Recorded.Metadata.CorrelationId == "corr-4711" && e.Recorded.Metadata.ActorUserId == manager.Id.ToString());
        var assigned = taskEvents.Single(e => e.Event is TaskAssigned).Recorded;

        var ledger = (await ates.EventsAsync($"account/{worker.Id:N}")).Single();
        ledger.Recorded.Metadata.CorrelationId.ShouldBe("corr-4711");
        ledger.Recorded.Metadata.CausationId.ShouldBe(assigned.EventId.ToString());
        ((LedgerEntryRecorded)ledger.Event).SourceId.ShouldBe(assigned.EventId.ToString());

        var inbox = (await ates.EventsAsync($"inbox/{worker.Id:N}")).Single().Recorded;
        (inbox.Metadata.CorrelationId, inbox.Metadata.CausationId).ShouldBe(("corr-4711", assigned.EventId.ToString()));
        var today = ates.Queries.Calendar.Today;
        var analytics = (await ates.EventsAsync($"analyticsday/{BusinessCalendar.Key(today)}")).Single().Recorded;
        analytics.Metadata.CorrelationId.ShouldBe("corr-4711");
        // The ledger entry's own consequence (its day total) carries the same correlation, caused by the entry.
        var counted = (await ates.EventsAsync($"billingday/{BusinessCalendar.Key(today)}")).Single().Recorded;
        (counted.Metadata.CorrelationId, counted.Metadata.CausationId).ShouldBe(("corr-4711", ledger.Recorded.EventId.ToString()));
    }

    [Fact]
    public async Task Stored_task_created_v1_events_are_read_as_v2_by_the_task_the_board_and_billing()
    {
        await using var ates = await DomainCluster.StartAsync();
        var manager = await ates.UserAsync(Roles.Manager);
        var worker = await ates.UserAsync(Roles.Worker);
        var taskId = Guid.NewGuid();
        var stream = $"task/{taskId:N}";
        var metadata = new EventMetadata(DateTimeOffset.UtcNow, "legacy", null, null, manager.Id.ToString());
        // What a producer wrote before v2: the Jira id inside the title.
        var v1 = new TaskCreatedV1(taskId, "[UBERPOP-42] - Change the shade of green", "Greener", 15, 35, manager.Id);
        var assigned = new TaskAssigned(taskId, worker.Id, null, 15, AssignReasons.Created, null, "Change the shade of green", "UBERPOP-42");
        await ates.Journal.AppendAsync(stream, 0,
        [
            new NewEvent(Guid.CreateVersion7(), "task.created", 1, JsonSerializer.SerializeToUtf8Bytes(v1, JsonEventSerializer.Options), metadata),
            new NewEvent(Guid.CreateVersion7(), "task.assigned", 1, JsonSerializer.SerializeToUtf8Bytes(assigned, JsonEventSerializer.Options), metadata),
        ]);

        var task = (await ates.Grains(1).GetGrain<ITaskGrain>(taskId).Get())!;
        (task.Title, task.JiraId, task.Description, task.Reward).ShouldBe(("Change the shade of green", "UBERPOP-42", "Greener", 35m));
        var listed = (await ates.Board(0).List(worker.Id, null, null, 10, null, null)).Items.Single();
        (listed.Title, listed.JiraId).ShouldBe(("Change the shade of green", "UBERPOP-42"));

        await ates.CompleteAsync(taskId, worker.Id);
        await ates.SettledAsync();
        (await ates.Account(worker.Id).Get()).Balance.ShouldBe(20);
        (await ates.Account(worker.Id).Log(null, null)).Last().Description.ShouldBe("Assign fee: [UBERPOP-42] Change the shade of green");

        // Producers write v2 only.
        Should.Throw<InvalidOperationException>(() => ates.Serializer.Serialize(v1)).Message.ShouldContain("read-only");
        TaskCreatedUpcaster.Upcast(v1 with { Title = "No prefix here" }).ShouldBe(new TaskCreated(taskId, "No prefix here", null, "Greener", 15, 35, manager.Id));
    }

    [Fact]
    public async Task An_event_that_does_not_decode_becomes_a_dead_letter_and_billing_moves_on()
    {
        await using var ates = await DomainCluster.StartAsync();
        var manager = await ates.UserAsync(Roles.Manager);
        var worker = await ates.UserAsync(Roles.Worker);
        var bad = Guid.NewGuid();
        var metadata = new EventMetadata(DateTimeOffset.UtcNow, null, null, null, null);
        await ates.Journal.AppendAsync($"task/{bad:N}", 0,
            [new NewEvent(Guid.CreateVersion7(), "task.assigned", 1, """{"taskId":"x","surprise":true}"""u8.ToArray(), metadata)]);
        var good = await ates.CreateTaskAsync(manager.Id);
        await ates.SettledAsync();

        (await ates.Account(worker.Id).Log(null, null)).Single().TaskId.ShouldBe(good.Id);
        var parked = (await ates.Journal.ListDeadLettersAsync()).Where(d => d.StreamId == $"task/{bad:N}").ToList();
        parked.Select(d => d.Subscription).Order().ShouldBe([DomainSubscriptions.Analytics, DomainSubscriptions.Billing, SubscriptionNames.Board, DomainSubscriptions.Notifications]);
        parked.ShouldAllBe(d => d.Error.StartsWith("EventDecodingException") && d.Attempts == 1);
    }

    [Fact]
    public async Task An_event_a_consumer_refuses_is_parked_by_that_consumer_its_stream_goes_on_and_a_retry_reports_the_refusal()
    {
        await using var ates = await DomainCluster.StartAsync();
        var manager = await ates.UserAsync(Roles.Manager);
        var worker = await ates.UserAsync(Roles.Worker);
        // A payout entry without its payout date decodes, but the inbox cannot word it: its rule throws for this event.
        var broken = new LedgerEntryRecorded(Guid.NewGuid(), worker.Id, EntryKinds.Payout, -5, -5, null, "Broken payout", "payout:broken", DateTimeOffset.UtcNow, null);
        await ates.Journal.AppendAsync($"account/{Guid.NewGuid():N}", 0, [new NewEvent(Guid.CreateVersion7(), "ledger.entry-recorded", 1,
            JsonSerializer.SerializeToUtf8Bytes(broken, JsonEventSerializer.Options), new EventMetadata(DateTimeOffset.UtcNow, null, null, null, null))]);
        var after = await ates.CreateTaskAsync(manager.Id, "After the broken one");
        await ates.SettledAsync();

        // The worker's inbox goes on: the task assigned after the broken payout arrived.
        (await ates.Grains().GetGrain<IInboxGrain>(worker.Id).List()).Single().Text.ShouldContain("After the broken one");
        var letter = (await ates.Journal.ListDeadLettersAsync()).ShouldHaveSingleItem();
        (letter.Subscription, letter.Target, letter.Type).ShouldBe((DomainSubscriptions.Notifications, $"{DomainSubscriptions.NotificationInboxes}/{worker.Id:N}", "ledger.entry-recorded"));
        letter.Error.ShouldStartWith("InvalidOperationException");

        // An operator's retry reaches the inbox again, which refuses again: the letter stays, one attempt more.
        var (outcome, _) = await ates.Subscriptions.RetryAsync(letter.Id);
        outcome.ShouldBe(Ates.Storage.Streams.DeadLetterRetryOutcome.FailedAgain);
        (await ates.Journal.ListDeadLettersAsync()).Single().Attempts.ShouldBe(2);
        (await ates.Grains().GetGrain<IInboxGrain>(worker.Id).List()).Count.ShouldBe(1);
        // Other subscriptions are not held back by it: accounting counted that entry into its day.
        (await ates.Queries.Day(ates.Queries.Calendar.DateOf(broken.At))).Payouts.ShouldBe(5);
        after.AssigneeId.ShouldBe(worker.Id);
    }

    [Fact]
    public async Task An_assigned_task_lands_in_the_assignees_inbox()
    {
        await using var ates = await DomainCluster.StartAsync();
        var manager = await ates.UserAsync(Roles.Manager);
        var worker = await ates.UserAsync(Roles.Worker);
        var task = await ates.CreateTaskAsync(manager.Id, "Paint the fence", "UBERPOP-7");
        await ates.SettledAsync();
        var note = (await ates.Grains().GetGrain<IInboxGrain>(worker.Id).List()).Single();
        note.Kind.ShouldBe(NotificationKinds.TaskAssigned);
        note.Text.ShouldBe($"Task \"[UBERPOP-7] Paint the fence\" is assigned to you (assign fee ${task.AssignFee}).");
        (await ates.Grains().GetGrain<IInboxGrain>(manager.Id).List()).ShouldBeEmpty();
    }
}
