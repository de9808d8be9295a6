using System.Globalization;
using System.Text;
using Ates.Grains;
using Ates.Grains.Interfaces;

namespace Ates.Testing;

/// <summary>What a chaos run shows: the faults and what each cost, the work done, and the books after it.</summary>
public sealed record ChaosReport(
    TimeSpan Duration,
    IReadOnlyDictionary<string, IReadOnlyList<TimeSpan>> Recoveries,
    int Created,
    int Probes,
    int Completed,
    int Shuffles,
    int FailedRequests,
    int GaveUp,
    IReadOnlyList<string> Lost,
    IReadOnlyList<string> Twice,
    AuditDto Audit,
    InvariantReport Invariants,
    TimeSpan LongestWithoutCreation,
    int ErrorsLogged,
    string DayClosed,
    string LongestStretchCause)
{
    public int Faults => Recoveries.Where(r => r.Key != ChaosRun.Midnight).Sum(r => r.Value.Count);

    public bool BooksAgree => Lost.Count == 0 && Twice.Count == 0 && Audit.Ok && Audit.Pending == 0 && Invariants.Holds;

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Chaos for {Duration.TotalMinutes:F1} min: 3 silo processes and a separate frontend on PostgreSQL, a fault every 3–6 s ({Faults} faults).");
        text.AppendLine();
        text.AppendLine("| fault | times | recovery p50 | recovery max |");
        text.AppendLine("|---|---:|---:|---:|");
        foreach (var (kind, times) in Recoveries.OrderBy(r => r.Key, StringComparer.Ordinal))
            text.AppendLine(CultureInfo.InvariantCulture, $"| {kind} | {times.Count} | {Seconds(times[(times.Count - 1) / 2])} | {Seconds(times[^1])} |");
        text.AppendLine();
        text.AppendLine("| figure | value |");
        text.AppendLine("|---|---:|");
        void Row(string name, string value) => text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value} |");
        Row("task creations acknowledged (each retried with its Idempotency-Key until answered)", $"{Created:N0} (+{Probes:N0} recovery probes)");
        Row("completions acknowledged", $"{Completed:N0}");
        Row("shuffles acknowledged", $"{Shuffles:N0}");
        Row("requests that failed (a 503, a timeout, a dropped connection; retried)", $"{FailedRequests:N0}");
        Row("creations given up after a minute of retries", $"{GaveUp:N0}");
        Row("acknowledged work lost", $"{Lost.Count}");
        Row("creations applied twice", $"{Twice.Count}");
        Row("audit differences", $"{Audit.Differences.Count} ({Audit.Events:N0} events, {Audit.Tasks:N0} tasks, {Audit.Accounts} accounts, {Audit.Days} days checked; {Audit.Pending} pending)");
        Row("ledger invariants (one fee per assignment, one reward per completion, each log adds up to its balance)", Invariants.Holds ? "hold" : $"{Invariants.Violations.Count} violations");
        Row($"day closed under the chaos", DayClosed);
        Row("longest stretch without a successful creation", $"{Seconds(LongestWithoutCreation)} ({LongestStretchCause})");
        Row("errors the processes logged", $"{ErrorsLogged:N0}");
        return text.ToString();
    }

    private static string Seconds(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:F2} s");
}
