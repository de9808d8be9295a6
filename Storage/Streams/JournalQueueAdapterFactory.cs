using System.Collections.Concurrent;
using Ates.Journal;
using Ates.Storage.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers.Streams.Common;
using Orleans.Runtime;
using Orleans.Streams;

namespace Ates.Storage.Streams;

/// <summary>
/// The journal stream provider of one subscription (billing, accounting, analytics, notifications): an Orleans
/// persistent stream provider whose queues are the journal's partitions, so that the journal is the stream — one write
/// per event, no outbox, rewindable. Producers do not write through it; they append to the journal.
/// </summary>
public sealed class JournalQueueAdapterFactory : IQueueAdapterFactory, IQueueAdapter, IQueueAdapterCache
{
    private readonly string _name;
    private readonly JournalStreamOptions _options;
    private readonly IServiceProvider _services;
    private readonly JournalPartitionQueueMapper _mapper;
    private readonly ConcurrentDictionary<QueueId, JournalQueueCache> _caches = new();
    private readonly Lazy<SubscriptionRouter> _router;

    public JournalQueueAdapterFactory(string name, JournalStreamOptions options, IServiceProvider services)
    {
        _name = name;
        _options = options;
        _services = services;
        _mapper = new JournalPartitionQueueMapper(name);
        _router = new(() => new SubscriptionRouter(
            services.GetRequiredKeyedService<SubscriptionRoute>(name), services.GetRequiredService<IEventSerializer>()));
    }

    public static JournalQueueAdapterFactory Create(IServiceProvider services, string name) =>
        new(name, services.GetRequiredService<IOptionsMonitor<JournalStreamOptions>>().Get(name), services);

    public string Name => _name;

    // Rewindable: Orleans' agent–consumer handshake is on, and a consumer's token positions its cursor.
    public bool IsRewindable => true;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadOnly;

    public Task<IQueueAdapter> CreateAdapter() => Task.FromResult<IQueueAdapter>(this);

    public IQueueAdapterCache GetQueueAdapterCache() => this;

    public IStreamQueueMapper GetStreamQueueMapper() => _mapper;

    public Task<IStreamFailureHandler> GetDeliveryFailureHandler(QueueId queueId) =>
        Task.FromResult<IStreamFailureHandler>(new JournalDeliveryFailureHandler(_name, _services.GetRequiredService<ILoggerFactory>().CreateLogger<JournalDeliveryFailureHandler>()));

    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext) =>
        throw new NotSupportedException($"Nothing is written to the journal stream '{_name}': append events to the journal and its route delivers them.");

    public IQueueCache CreateQueueCache(QueueId queueId) => _caches.AddOrUpdate(queueId, _ => new JournalQueueCache(_options), (_, _) => new JournalQueueCache(_options));

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId)
    {
        // The agent creates the queue's cache just before its receiver; the receiver accounts deliveries in that cache.
        var cache = _caches.GetOrAdd(queueId, _ => new JournalQueueCache(_options));
        return new JournalQueueReceiver(_name, queueId, _services.GetRequiredService<IJournalStore>(),
            _services.GetRequiredService<PartitionTails>()[JournalPartitionQueueMapper.PartitionOf(queueId)], _router.Value, cache, _options, _services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString(), _services.GetRequiredService<LocalQueues>(), TimeProvider.System,
            _services.GetRequiredService<ILoggerFactory>().CreateLogger($"Ates.Streams.{_name}"));
    }
}

/// <summary>
/// Orleans calls this when a delivery gave up; with unlimited delivery time that happens only while an agent shuts
/// down, and the cursor hands the batch out again to whoever takes the queue next. Nothing is skipped, so this logs.
/// </summary>
internal sealed class JournalDeliveryFailureHandler(string subscription, ILogger logger) : IStreamFailureHandler
{
    public bool ShouldFaultSubsriptionOnError => false;

    public Task OnDeliveryFailure(GuidId subscriptionId, string streamProviderName, StreamId streamId, StreamSequenceToken? sequenceToken)
    {
        logger.LogWarning("{Subscription}: delivery to {Stream} at {Token} did not complete; it is delivered again", subscription, streamId, sequenceToken);
        return Task.CompletedTask;
    }

    public Task OnSubscriptionFailure(GuidId subscriptionId, string streamProviderName, StreamId streamId, StreamSequenceToken? sequenceToken)
    {
        logger.LogWarning("{Subscription}: subscription of {Stream} failed at {Token}", subscription, streamId, sequenceToken);
        return Task.CompletedTask;
    }
}
