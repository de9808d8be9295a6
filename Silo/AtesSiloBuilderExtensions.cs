using Ates.Client.Hosting;
using Ates.Grains;
using Ates.Journal;
using Ates.Storage.Hosting;
using Ates.Storage.Journal;
using Orleans.Dashboard;
using Orleans.Storage;

namespace Ates.Silo;

/// <summary>What differs between the silos that <see cref="AtesSiloBuilderExtensions"/> assembles.</summary>
public sealed class AtesSiloOptions
{
    /// <summary>
    /// Snapshots and reminders in Orleans' ADO.NET tables on this PostgreSQL database (they outlive a silo and are shared
    /// by a cluster). Null: in memory, which will do on one silo, since snapshots are a cache of the journal and the
    /// reminders are registered again at every start.
    /// </summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>The domain's settings: business time zone, clock, how often days are looked at for closing.</summary>
    public Action<DomainOptions>? Domain { get; set; }

    /// <summary>One journal stream provider per domain subscription. False only to measure what the subscriptions cost (bench).</summary>
    public bool Subscriptions { get; set; } = true;

    /// <summary>The Orleans Dashboard (its trace is hidden: it would stream every log line to the browser).</summary>
    public bool Dashboard { get; set; } = true;
}

public static class AtesSiloBuilderExtensions
{
    /// <summary>
    /// Ates on this silo, the same for the Silo host, the benchmarks and the test clusters: the journal with its
    /// log-consistency provider, snapshot storage and reminders, the domain, one journal stream provider per domain
    /// subscription and the dashboard. The host adds clustering and whatever only it has (sign-in users, the integration
    /// feed, tracing).
    /// </summary>
    /// <param name="journal">Made once by the silo's container and disposed with it.</param>
    public static ISiloBuilder AddAtes(this ISiloBuilder silo, Func<IServiceProvider, IJournalStore> journal, Action<AtesSiloOptions>? configure = null) =>
        silo.AddJournal(journal).AddAtesOnJournal(configure);

    /// <param name="sharedJournal">A journal that outlives the silo (the silos of an in-process cluster share one); the caller disposes it.</param>
    public static ISiloBuilder AddAtes(this ISiloBuilder silo, IJournalStore sharedJournal, Action<AtesSiloOptions>? configure = null) =>
        silo.AddJournal(sharedJournal).AddAtesOnJournal(configure);

    private static ISiloBuilder AddAtesOnJournal(this ISiloBuilder silo, Action<AtesSiloOptions>? configure)
    {
        var options = new AtesSiloOptions();
        configure?.Invoke(options);
        if (options.PostgresConnectionString is { } database)
        {
            silo.AddAdoNetGrainStorage(JournalNames.Snapshots, o => (o.Invariant, o.ConnectionString) = (AtesSettings.PostgresInvariant, database));
            silo.UseAdoNetReminderService(o => (o.Invariant, o.ConnectionString) = (AtesSettings.PostgresInvariant, database));
            silo.Services.AddKeyedSingleton<IGrainStorageSerializer>(JournalNames.Snapshots,
                (sp, _) => new OrleansGrainStorageSerializer(sp.GetRequiredService<Orleans.Serialization.Serializer>()));
        }
        else
        {
            silo.AddMemoryGrainStorage(JournalNames.Snapshots);
            silo.UseInMemoryReminderService();
        }
        silo.AddAtesDomain(options.Domain);
        if (options.Subscriptions)
        {
            foreach (var subscription in DomainSubscriptions.All) silo.AddJournalSubscription(subscription);
        }
        if (options.Dashboard) silo.AddDashboard(o => o.HideTrace = true);
        return silo;
    }
}
