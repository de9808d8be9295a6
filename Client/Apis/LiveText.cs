using System.Globalization;
using System.Text.Json;
using Ates.Grains.Interfaces;
using Ates.Journal;

namespace Ates.Client.Apis;

/// <summary>
/// What an event means, in words a person reads on the live panel: "Fix the login page assigned to Worker 0, fee $16".
/// Only events people act on are described; the consumers' own bookkeeping (day counters, analytics, sessions) is not
/// news to anyone and stays out of the feed.
/// </summary>
public static class LiveText
{
    public static bool IsNews(string type) => type is "task.created" or "task.assigned" or "task.completed" or "ledger.entry-recorded"
        or "billing-day.closed" or "user.registered" or "user.role-changed" or "user.disabled-changed";

    /// <summary>The people an event names, so their names are at hand before it is described.</summary>
    public static IEnumerable<Guid> PeopleIn(JournalEvent e)
    {
        using var json = JsonDocument.Parse(e.Data);
        var ids = new List<Guid>();
        foreach (var property in new[] { "assigneeId", "createdBy", "accountId", "userId" })
            if (json.RootElement.TryGetProperty(property, out var id) && id.TryGetGuid(out var guid)) ids.Add(guid);
        return ids;
    }

    public static string Describe(JournalEvent e, IReadOnlyDictionary<Guid, UserDto> people)
    {
        using var json = JsonDocument.Parse(e.Data);
        var d = json.RootElement;
        string Name(string property) => d.TryGetProperty(property, out var id) && id.TryGetGuid(out var guid) ? People.NameOf(people, guid) : "someone";
        string Text(string property) => d.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
        decimal Money(string property) => d.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDecimal() : 0m;
        string Task() => Text("jiraId") is { Length: > 0 } jira ? $"[{jira}] {Text("title")}" : Text("title");

        return e.Type switch
        {
            "task.created" => $"{Name("createdBy")} created {Task()}",
            "task.assigned" when Text("reason") == "shuffle" => $"{Task()} reassigned to {Name("assigneeId")} by the shuffle, fee {Dollars(Money("assignFee"))}",
            "task.assigned" => $"{Task()} assigned to {Name("assigneeId")}, fee {Dollars(Money("assignFee"))}",
            "task.completed" => $"{Name("assigneeId")} completed {Task()}, reward {Dollars(Money("reward"))}",
            "ledger.entry-recorded" when Text("kind") == EntryKinds.Payout =>
                $"{Name("accountId")} was paid {Dollars(-Money("amount"))} for {Text("payoutDate")}; balance {Dollars(Money("balanceAfter"))}",
            "ledger.entry-recorded" => $"{Name("accountId")}: {Text("description")}, {Signed(Money("amount"))}; balance {Dollars(Money("balanceAfter"))}",
            "billing-day.closed" => $"{Text("date")} closed: {Dollars(Money("paidOut"))} paid to {(d.TryGetProperty("accountsPaid", out var n) ? n.GetInt32() : 0)} accounts",
            "user.registered" => $"{Text("name")} joined as {Text("role")}",
            "user.role-changed" => $"{Name("userId")} is now {Text("role")}",
            "user.disabled-changed" => d.TryGetProperty("disabled", out var off) && off.ValueKind == JsonValueKind.True ? $"{Name("userId")} was disabled" : $"{Name("userId")} was enabled again",
            _ => e.Type,
        };
    }

    private static string Dollars(decimal amount) => (amount < 0 ? "-$" : "$") + Math.Abs(amount).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Signed(decimal amount) => (amount >= 0 ? "+" : "") + Dollars(amount);
}
