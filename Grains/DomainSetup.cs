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
        return silo;
    }
}

/// <summary>The domain's event contracts, read and written as DESIGN.md "Event contracts" says (strict JSON, upcasters).</summary>
public static class DomainEvents
{
    public static JsonEventSerializer Serializer() =>
        new(JsonEventSerializer.FindEventTypes(typeof(TaskCreated).Assembly), [EventUpcaster.Create<TaskCreatedV1, TaskCreated>(TaskCreatedUpcaster.Upcast)]);
}
