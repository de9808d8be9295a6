using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Ates.Grains.Interfaces;

/// <summary>
/// Ates' own traces and metrics, beside Orleans' and ASP.NET Core's (README "Operations"). Spans: the journal append,
/// a subscription's delivery to its consumer grain (parented by the traceparent stored on the event). Instruments are
/// created here once; a host exports them only if it listens (OpenTelemetry), so they cost next to nothing otherwise.
/// </summary>
public static class AtesTelemetry
{
    public const string Name = "Ates";

    public static readonly ActivitySource Source = new(Name);

    public static readonly Meter Meter = new(Name);

    /// <summary>Appends confirmed by the journal, with how many events each carried.</summary>
    public static readonly Counter<long> JournalAppends = Meter.CreateCounter<long>("ates.journal.appends", "{append}", "Appends the journal confirmed.");

    public static readonly Counter<long> JournalEvents = Meter.CreateCounter<long>("ates.journal.events", "{event}", "Events the journal confirmed.");

    /// <summary>Writes per group commit: how much one fsync carries.</summary>
    public static readonly Histogram<int> JournalBatchSize = Meter.CreateHistogram<int>("ates.journal.batch_size", "{write}", "Writes committed together with one flush.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });

    public static readonly Counter<long> Payouts = Meter.CreateCounter<long>("ates.payouts", "{payout}", "Payouts recorded at day close.");

    public static readonly Counter<long> IntegrationPublished = Meter.CreateCounter<long>("ates.integration.published", "{event}",
        "Journal events the integration feed handed to its stream provider (at least once).");

    public static readonly Counter<double> PaidOut = Meter.CreateCounter<double>("ates.payouts.amount", "{dollar}", "Money paid out at day close, in dollars.");

    private static int? _auditDifferences;

    /// <summary>The differences the last audit of the books found on this silo (docs/design.md "Proving the books"); none before one ran.</summary>
    public static readonly ObservableGauge<int> AuditDifferences = Meter.CreateObservableGauge<int>("ates.audit.differences",
        () => _auditDifferences is { } n ? [new Measurement<int>(n)] : [], "{difference}", "Differences the last audit of the books found (0: the books agree with the work done).");

    public static void RecordAudit(int differences) => _auditDifferences = differences;

    /// <summary>Starts the span of a consumer handling delivered events: child of the one event's trace, linked to several.</summary>
    public static Activity? StartConsume(string subscription, string consumer, IReadOnlyList<string?> traceParents)
    {
        if (!Source.HasListeners()) return null;
        var contexts = traceParents.Select(p => ActivityContext.TryParse(p, null, out var c) ? c : default).Where(c => c != default).Distinct().ToList();
        var parent = contexts.Count == 1 ? contexts[0] : default;
        var links = contexts.Count > 1 ? contexts.Select(c => new ActivityLink(c)).ToList() : null;
        var activity = Source.StartActivity($"{subscription} deliver", ActivityKind.Consumer, parent, links: links);
        activity?.SetTag("ates.subscription", subscription);
        activity?.SetTag("ates.consumer", consumer);
        activity?.SetTag("messaging.batch.message_count", traceParents.Count);
        return activity;
    }
}
