using Ates.Client.Hosting;
using Ates.Grains.Interfaces;
using Ates.Storage.Hosting;
using Azure.Messaging.EventHubs;
using Orleans.Configuration;
using Orleans.Streaming.EventHubs;
using Orleans.Streams;

namespace Ates.Silo;

/// <summary>
/// The integration feed on Azure Event Hubs (Ates:Integration:EventHubs): the "integration" journal subscription hands
/// every event to the relay grains, which publish it to Orleans' Event Hubs stream provider of the same name. Each
/// journal stream is one Orleans stream, so one Event Hubs partition key keeps its order; the event id is the message
/// id, for consumers to drop a repeat. Orleans' provider also reads the hub back (its pulling agents, checkpointed in an
/// Azure table); no grain subscribes, so what it reads is dropped.
/// </summary>
public static class IntegrationFeedSetup
{
    public static ISiloBuilder AddIntegrationFeedOnEventHubs(this ISiloBuilder silo, EventHubsSettings settings)
    {
        settings.Validate();
        silo.AddEventHubStreams(IntegrationFeed.Provider, stream =>
        {
            stream.ConfigureEventHub(o => o.Configure(hub => hub.ConfigureEventHubConnection(settings.ConnectionString!, settings.EventHubName!, settings.ConsumerGroup)));
            stream.UseAzureTableCheckpointer(o => o.Configure(checkpoints =>
            {
                checkpoints.TableServiceClient = new Azure.Data.Tables.TableServiceClient(settings.CheckpointConnectionString!);
                checkpoints.TableName = settings.CheckpointTable;
                checkpoints.PersistInterval = TimeSpan.FromSeconds(10);
            }));
            stream.UseDataAdapter((services, _) => new IntegrationEventHubDataAdapter(services.GetRequiredService<Orleans.Serialization.Serializer>()));
            stream.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
        });
        silo.AddJournalSubscription(SubscriptionNames.Integration);
        return silo;
    }
}

/// <summary>
/// The feed's Event Hubs messages in a public form: the body is the event in JSON (<c>application/json</c>, the shape
/// of <see cref="IntegrationMessage"/>), the properties carry its type, version, journal stream, position and
/// correlation id, and the message id is the event id, so a consumer outside Orleans needs nothing but an Event Hubs
/// client and a JSON parser. Orleans' own pulling agents read the same JSON back into an <see cref="IntegrationEvent"/>.
/// Orleans' default adapter would write its binary serialization of a batch instead.
/// </summary>
public sealed class IntegrationEventHubDataAdapter(Orleans.Serialization.Serializer serializer) : EventHubDataAdapter(serializer)
{
    public override EventData ToQueueMessage<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        if (token is not null) throw new ArgumentException("Event Hubs streams take no sequence token.", nameof(token));
        var items = events.ToList();
        // The relays publish one event at a time (IntegrationRelayGrain): one message per event keeps one id per message.
        if (items is not [IntegrationEvent e])
            throw new ArgumentException($"The integration feed carries one {nameof(IntegrationEvent)} per message, not {items.Count} of {typeof(T).Name}.", nameof(events));
        var message = new EventData(IntegrationMessage.ToJson(e))
        {
            ContentType = IntegrationMessage.ContentType,
            MessageId = e.EventId.ToString(),
            CorrelationId = e.CorrelationId,
        };
        message.Properties[IntegrationMessage.TypeProperty] = e.Type;
        message.Properties[IntegrationMessage.VersionProperty] = e.Version;
        message.Properties[IntegrationMessage.StreamProperty] = e.StreamId;
        message.Properties[IntegrationMessage.StreamVersionProperty] = e.StreamVersion;
        message.Properties[IntegrationMessage.PositionProperty] = e.Position;
        if (e.CorrelationId is not null) message.Properties[IntegrationMessage.CorrelationProperty] = e.CorrelationId;
        message.SetStreamNamespaceProperty(streamId.GetNamespace());
        return message;
    }

    protected override IBatchContainer GetBatchContainer(EventHubMessage eventHubMessage) =>
        new IntegrationBatchContainer(eventHubMessage.StreamId, IntegrationMessage.FromJson(eventHubMessage.Payload),
            new EventHubSequenceTokenV2(eventHubMessage.Offset, eventHubMessage.SequenceNumber, 0));
}

/// <summary>One feed message as Orleans consumers receive it: the event decoded from the message's JSON.</summary>
[GenerateSerializer, Alias("ates.integration-batch")]
public sealed class IntegrationBatchContainer(StreamId streamId, IntegrationEvent integrationEvent, EventHubSequenceTokenV2 token) : IBatchContainer
{
    [Id(0)] public StreamId StreamId { get; } = streamId;

    [Id(1)] public IntegrationEvent Event { get; } = integrationEvent;

    [Id(2)] public EventHubSequenceTokenV2 Token { get; } = token;

    public StreamSequenceToken SequenceToken => Token;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() =>
        Event is T item ? [Tuple.Create<T, StreamSequenceToken>(item, Token)] : [];

    public bool ImportRequestContext() => false;
}
