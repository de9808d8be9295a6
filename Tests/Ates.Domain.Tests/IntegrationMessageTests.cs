using System.Text.Json;
using Ates.Grains.Interfaces.Events;
using Ates.Silo;
using Azure.Messaging.EventHubs;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Streaming.EventHubs;
using Xunit.Abstractions;

namespace Ates.Domain.Tests;

/// <summary>The integration feed's Event Hubs messages, as a system that is not Orleans reads them, and as Orleans reads them back.</summary>
public sealed class IntegrationMessageTests(ITestOutputHelper output)
{
    private static readonly Guid TaskId = Guid.NewGuid();
    private static readonly Guid Assignee = Guid.NewGuid();

    private static IntegrationEvent Published()
    {
        var serializer = DomainEvents.Serializer();
        var assigned = new TaskAssigned(TaskId, Assignee, null, 17, AssignReasons.Created, null, "Fix the login page", "UBERPOP-7");
        var (type, version, data) = serializer.Serialize(assigned);
        var recorded = new JournalEvent(Guid.CreateVersion7(), $"task/{TaskId}", 2, new JournalPosition(812, 3), type, version, data,
            new EventMetadata(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero), "corr-42", null, null, null));
        return PublicEvent.ForIntegration(recorded)!;
    }

    private static IntegrationEventHubDataAdapter Adapter() =>
        new(new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer>());

    [Fact]
    public void A_message_is_the_public_event_in_json_with_its_type_version_stream_position_and_correlation_as_properties_and_its_id_as_message_id()
    {
        var published = Published();

        var message = Adapter().ToQueueMessage(StreamId.Create(IntegrationFeed.Namespace, published.StreamId), [published], null, null);

        // From here on, only what any Event Hubs consumer has: Azure.Messaging.EventHubs and System.Text.Json.
        message.ContentType.ShouldBe("application/json");
        message.MessageId.ShouldBe(published.EventId.ToString());
        message.CorrelationId.ShouldBe("corr-42");
        message.Properties["ates-type"].ShouldBe("task.assigned");
        message.Properties["ates-version"].ShouldBe(1);
        message.Properties["ates-stream"].ShouldBe($"task/{TaskId}");
        message.Properties["ates-position"].ShouldBe("812:3");
        message.Properties["ates-correlation-id"].ShouldBe("corr-42");
        var body = message.EventBody.ToString();
        output.WriteLine(body);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        root.GetProperty("eventId").GetGuid().ShouldBe(published.EventId);
        root.GetProperty("type").GetString().ShouldBe("task.assigned");
        root.GetProperty("streamVersion").GetInt64().ShouldBe(2);
        root.GetProperty("occurredAt").GetDateTimeOffset().ShouldBe(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));
        var data = root.GetProperty("data");
        data.ValueKind.ShouldBe(JsonValueKind.Object, "the event's data is JSON, not a string of it");
        data.GetProperty("taskId").GetGuid().ShouldBe(TaskId);
        data.GetProperty("assigneeId").GetGuid().ShouldBe(Assignee);
        data.GetProperty("assignFee").GetDecimal().ShouldBe(17m);
        data.GetProperty("jiraId").GetString().ShouldBe("UBERPOP-7");
    }

    [Fact]
    public void Orleans_consumers_decode_the_message_the_hub_hands_back_to_the_same_event()
    {
        var published = Published();
        var adapter = Adapter();
        var sent = adapter.ToQueueMessage(StreamId.Create(IntegrationFeed.Namespace, published.StreamId), [published], null, null);

        // What the hub hands back: the same body and properties, with its partition key (the journal stream), offset and sequence number.
        var received = EventHubsModelFactory.EventData(sent.EventBody, sent.Properties, partitionKey: adapter.GetPartitionKey(StreamId.Create(IntegrationFeed.Namespace, published.StreamId)),
            sequenceNumber: 7, offsetString: "4096", enqueuedTime: DateTimeOffset.UtcNow);
        var position = adapter.GetStreamPosition("0", received);
        var cached = adapter.FromQueueMessage(position, received, DateTime.UtcNow, size => new ArraySegment<byte>(new byte[size]));
        var container = adapter.GetBatchContainer(ref cached);

        container.StreamId.ShouldBe(StreamId.Create(IntegrationFeed.Namespace, published.StreamId));
        container.GetEvents<IntegrationEvent>().Single().Item1.ShouldBe(published);
        Should.Throw<ArgumentException>(() => adapter.ToQueueMessage(container.StreamId, new[] { published, published }, null, null));
    }
}
