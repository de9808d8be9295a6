using Orleans.Configuration;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ates.Grains;

public sealed class DomainOptions
{
    /// <summary>IANA or Windows id of the business time zone; days close at its midnight.</summary>
    public string BusinessTimeZone { get; set; } = "UTC";

    /// <summary>How often the billing clock looks for ended days to close (an Orleans reminder: one minute at the least by default).</summary>
    public TimeSpan DayCloseCheckPeriod { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The domain's clock: event times, business days. Tests move it; Orleans keeps its own.</summary>
    public TimeProvider Clock { get; set; } = TimeProvider.System;
}

public static class DomainSetup
{
    /// <summary>
    /// The aTES domain on a silo: its services, event contracts and subscription routes, and the billing clock started
    /// with the silo. The host adds the journal and one journal stream provider per <see cref="DomainSubscriptions.All"/>.
    /// </summary>
    public static ISiloBuilder AddAtesDomain(this ISiloBuilder silo, Action<DomainOptions>? configure = null)
    {
        var options = new DomainOptions();
        configure?.Invoke(options);
        silo.ConfigureServices(services =>
        {
            services.AddSingleton(options);
            services.AddSingleton(_ => new BusinessCalendar(TimeZoneInfo.FindSystemTimeZoneById(options.BusinessTimeZone), options.Clock));
            services.TryAddSingleton(_ => RandomSource.Shared());
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<UserDirectory>();
            services.AddSingleton(DomainEvents.Serializer());
            services.AddSingleton<IEventSerializer>(sp => sp.GetRequiredService<JsonEventSerializer>());
            // Every route, the integration feed's too: a silo runs the subscriptions it adds (AddJournalSubscription).
            foreach (var name in DomainSubscriptions.All.Append(SubscriptionNames.Integration))
            {
                services.AddKeyedSingleton(name, (sp, _) => DomainSubscriptions.Routes(sp.GetRequiredService<BusinessCalendar>()).Single(r => r.Name == name));
            }
        });
        silo.AddStartupTask((services, _) => services.GetRequiredService<IGrainFactory>().GetGrain<IBillingClockGrain>(Singletons.Key).Start());
        silo.Configure<GrainCollectionOptions>(o =>
        {
            // Idle activations are looked at every 15 s (Orleans' default is a minute), so that a grain class with a short
            // age goes soon after it falls idle.
            o.CollectionQuantum = TimeSpan.FromSeconds(15);
            // A task is busy once (created) and then idle until someone completes or reassigns it: an activation that
            // lingered for Orleans' default 15 minutes would keep every task of that time in memory (a few KB each). One
            // completed or reassigned goes after half a minute idle; a new one right after its creation (TaskGrain.Create).
            o.ClassSpecificCollectionAge[typeof(TaskGrain).FullName!] = TimeSpan.FromSeconds(30);
            // Under memory pressure (a container's limit, or the machine's) Orleans deactivates the idlest grains first.
            o.EnableActivationSheddingOnMemoryPressure = true;
        });
        // Orleans remembers where a million grains were by default; tasks come and go by the hundred thousand, and
        // a forgotten address costs one directory lookup.
        silo.Configure<GrainDirectoryOptions>(o => o.CacheSize = 100_000);
        return silo;
    }
}

/// <summary>The domain's event contracts, read and written as docs/design.md "Event contracts" says (strict JSON, upcasters).</summary>
public static class DomainEvents
{
    public static JsonEventSerializer Serializer() =>
        new(JsonEventSerializer.FindEventTypes(typeof(TaskCreated).Assembly), [EventUpcaster.Create<TaskCreatedV1, TaskCreated>(TaskCreatedUpcaster.Upcast)]);
}
