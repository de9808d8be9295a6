using System.Globalization;
using CsvHelper;
using Ates.Grains.Interfaces;

namespace Ates.Client.Apis;

/// <summary>
/// The days and a person's log as CSV (`format=csv`), for a spreadsheet: one header row of the JSON member names, dates
/// and times as in the JSON, plain numbers. Text that a spreadsheet would run as a formula (a task title starting with
/// "=") is escaped by CsvHelper.
/// </summary>
public static class CsvExport
{
    public const string Format = "csv";

    private static readonly CsvWriterOptions Options = new()
    {
        Injection = CsvInjection.Escape,
        TrueValue = "true",
        FalseValue = "false",
    };

    /// <summary>True for `format=csv`, false for none or `json`; anything else is a 400 naming both.</summary>
    public static bool Wanted(string? format) => format?.ToLowerInvariant() switch
    {
        null or "" or "json" => false,
        Format => true,
        _ => throw DomainException.Invalid("format", "The format is json or csv."),
    };

    public static IResult Days(IEnumerable<DayDto> days, DateOnly from, DateOnly to) =>
        File($"ates-days-{Key(from)}-to-{Key(to)}.csv", days, ["date", "assignFees", "rewards", "managementEarnings", "payouts", "closed"],
            (csv, d) =>
            {
                csv.WriteField(d.Date);
                csv.WriteField(d.AssignFees);
                csv.WriteField(d.Rewards);
                csv.WriteField(d.ManagementEarnings);
                csv.WriteField(d.Payouts);
                csv.WriteField(d.Closed);
            });

    public static IResult Log(IEnumerable<EntryDto> entries, string whose) =>
        File($"ates-log-{whose}.csv", entries, ["id", "at", "kind", "amount", "balanceAfter", "taskId", "description"],
            (csv, e) =>
            {
                csv.WriteField(e.Id);
                csv.WriteField(e.At.ToUniversalTime());
                csv.WriteField(e.Kind);
                csv.WriteField(e.Amount);
                csv.WriteField(e.BalanceAfter);
                csv.WriteField(e.TaskId);
                csv.WriteField(e.Description);
            });

    private static string Key(DateOnly date) => BusinessCalendar.Key(date);

    private static IResult File<T>(string name, IEnumerable<T> rows, string[] header, Action<CsvWriter, T> write)
    {
        var bytes = new MemoryStream();
        using (var csv = CsvWriter.Create(bytes, Options, leaveOpen: true))
        {
            csv.WriteHeader(header);
            foreach (var row in rows)
            {
                write(csv, row);
                csv.EndRecord();
            }
        }
        return Results.File(bytes.ToArray(), "text/csv; charset=utf-8", name);
    }
}
