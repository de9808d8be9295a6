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

/// <summary>Orleans' Event Hubs message, with the journal event's id as its message id.</summary>
public sealed class IntegrationEventHubDataAdapter(Orleans.Serialization.Serializer serializer) : EventHubDataAdapter(serializer)
{
    public override EventData ToQueueMessage<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext)
    {
        var items = events.ToList();
        var message = base.ToQueueMessage(streamId, items, token, requestContext);
        if (items.Count == 1 && items[0] is IntegrationEvent single) message.MessageId = single.EventId.ToString();
        return message;
    }
}
