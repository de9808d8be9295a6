using Ates.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.EventSourcing;
using Orleans.Storage;

namespace Ates.Storage.EventSourcing;

/// <summary>
/// The log-consistency provider that keeps a <c>JournaledGrain</c>'s events in the journal (docs/design.md "Journaled grains"):
/// grains opt in with <c>[LogConsistencyProvider(ProviderName = JournalNames.LogConsistency)]</c>. Snapshots go to the
/// grain storage named <see cref="JournalNames.Snapshots"/> when the silo has one.
/// </summary>
public sealed class JournalLogConsistencyProvider(IServiceProvider services) : ILogViewAdaptorFactory
{
    // The provider looks up its own snapshot storage (by name), rather than the grain's default storage.
    public bool UsesStorageProvider => false;

    public ILogViewAdaptor<TView, TEntry> MakeLogViewAdaptor<TView, TEntry>(ILogViewAdaptorHost<TView, TEntry> hostGrain, TView initialState,
        string grainTypeName, IGrainStorage? grainStorage, ILogConsistencyProtocolServices protocolServices)
        where TView : class, new()
        where TEntry : class =>
        new JournalLogView<TView, TEntry>(hostGrain, protocolServices.GrainId, services.GetRequiredService<IEventJournal>(),
            services.GetRequiredService<IEventSerializer>(), services.GetKeyedService<IGrainStorage>(JournalNames.Snapshots),
            services.GetRequiredService<ILoggerFactory>().CreateLogger("Ates.Journal.LogView"));
}
