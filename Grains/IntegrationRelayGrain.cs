using Ates.Grains.Interfaces;
using Ates.Journal;
using Orleans.Runtime;
using Orleans.Streams;
using Orleans.Streams.Core;

namespace Ates.Grains;

/// <summary>
/// The integration feed: one relay per journal partition (key: its stream, "relay#N") hands each event of the partition,
/// in journal order (so each journal stream's in order), to the "integration" stream provider in its public form. It keeps no state: the integration subscription's
/// checkpoint moves past an event only after the provider took it, so a relay that dies mid-batch (a killed silo) is
/// delivered the batch again elsewhere and publishes it again — at least once, never skipped.
/// </summary>
[GrainType("integrationrelay")]
[ImplicitStreamSubscription(DomainSubscriptions.IntegrationRelays)]
public sealed class IntegrationRelayGrain : Grain, IStreamSubscriptionObserver, IIntegrationRelayGrain
{
    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        await handleFactory.Create<JournalEvent>().ResumeAsync(new Relay(this));

    public async Task<string?> RetryAsync(string subscription, StreamId target, JournalEvent journalEvent)
    {
        await PublishAsync([journalEvent]);
        return null;
    }

    private async Task PublishAsync(IEnumerable<JournalEvent> events)
    {
        var provider = this.GetStreamProvider(IntegrationFeed.Provider);
        foreach (var e in events)
        {
            if (PublicEvent.ForIntegration(e) is not { } published) continue; // sessions, passwords, bookkeeping: never published
            var stream = provider.GetStream<IntegrationEvent>(StreamId.Create(IntegrationFeed.Namespace, e.StreamId));
            using var span = AtesTelemetry.Source.StartActivity("integration publish", System.Diagnostics.ActivityKind.Producer);
            span?.SetTag("ates.event_id", e.EventId);
            span?.SetTag("ates.stream", e.StreamId);
            await stream.OnNextAsync(published); // one at a time: the provider keeps the order of one stream
            span?.SetTag("ates.published", true); // the provider took it
            AtesTelemetry.IntegrationPublished.Add(1);
        }
    }

    private sealed class Relay(IntegrationRelayGrain grain) : IAsyncBatchObserver<JournalEvent>
    {
        public Task OnNextAsync(IList<SequentialItem<JournalEvent>> items) => grain.PublishAsync(items.Select(i => i.Item));

        public Task OnCompletedAsync() => Task.CompletedTask;

        public Task OnErrorAsync(Exception ex) => Task.CompletedTask;
    }
}
