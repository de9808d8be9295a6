using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;

namespace Ates.Grains;

public sealed record InvariantReport(
    int Assignments,
    int Completions,
    int Payouts,
    decimal FeesCharged,
    decimal RewardsCredited,
    decimal PaidOut,
    decimal BalancesTotal,
    IReadOnlyList<string> Violations)
{
    public bool Holds => Violations.Count == 0;

    public override string ToString() =>
        $"{Assignments} assignments, {Completions} completions, {Payouts} payouts; fees {FeesCharged}, rewards {RewardsCredited}, paid {PaidOut}, balances {BalancesTotal}" +
        (Holds ? "; all invariants hold" : $"; {Violations.Count} violations:\n  " + string.Join("\n  ", Violations.Take(20)));
}

/// <summary>
/// Checks the money invariants over the whole log (docs/design.md "Cross-cutting"): Σ balances + Σ payouts = Σ rewards − Σ fees
/// charged; exactly one fee entry per assignment, one reward per completion, one payout per account per day; each
/// entry's balance-after follows from the one before. Run it once billing has caught up.
/// </summary>
public static class LedgerInvariants
{
    public static async Task<InvariantReport> CheckAsync(IEventJournal journal, IEventSerializer serializer, CancellationToken ct = default)
    {
        var assignments = new Dictionary<string, TaskAssigned>();
        var completions = new Dictionary<string, TaskCompleted>();
        var entries = new List<(JournalEvent Recorded, LedgerEntryRecorded Entry)>();
        var after = JournalPosition.Start;
        while (true)
        {
            var page = await journal.ReadLogAsync(after, 4096, ct);
            foreach (var e in page)
            {
                switch (serializer.Deserialize(e))
                {
                    case TaskAssigned a: assignments[e.EventId.ToString()] = a; break;
                    case TaskCompleted c: completions[e.EventId.ToString()] = c; break;
                    case LedgerEntryRecorded l: entries.Add((e, l)); break;
                }
            }
            if (page.Count == 0) break;
            after = page[^1].Position;
        }

        var violations = new List<string>();
        var bySource = entries.GroupBy(x => (x.Entry.AccountId, x.Entry.SourceId)).Where(g => g.Count() > 1);
        violations.AddRange(bySource.Select(g => $"account {g.Key.AccountId} has {g.Count()} entries for source {g.Key.SourceId}"));

        var fees = entries.Where(x => x.Entry.Kind == EntryKinds.AssignFee).ToLookup(x => x.Entry.SourceId);
        var rewards = entries.Where(x => x.Entry.Kind == EntryKinds.Reward).ToLookup(x => x.Entry.SourceId);
        foreach (var (id, a) in assignments)
        {
            var charged = fees[id].ToList();
            if (charged.Count != 1) violations.Add($"assignment {id} of task {a.TaskId} has {charged.Count} fee entries");
            else if (charged[0].Entry.AccountId != a.AssigneeId || charged[0].Entry.Amount != -a.AssignFee)
                violations.Add($"assignment {id}: fee {charged[0].Entry.Amount} to {charged[0].Entry.AccountId}, expected {-a.AssignFee} to {a.AssigneeId}");
        }
        foreach (var (id, c) in completions)
        {
            var credited = rewards[id].ToList();
            if (credited.Count != 1) violations.Add($"completion {id} of task {c.TaskId} has {credited.Count} reward entries");
            else if (credited[0].Entry.AccountId != c.AssigneeId || credited[0].Entry.Amount != c.Reward)
                violations.Add($"completion {id}: reward {credited[0].Entry.Amount} to {credited[0].Entry.AccountId}, expected {c.Reward} to {c.AssigneeId}");
        }
        violations.AddRange(fees.Where(g => !assignments.ContainsKey(g.Key)).Select(g => $"fee entry for unknown assignment {g.Key}"));
        violations.AddRange(rewards.Where(g => !completions.ContainsKey(g.Key)).Select(g => $"reward entry for unknown completion {g.Key}"));

        decimal balances = 0;
        foreach (var account in entries.GroupBy(x => x.Entry.AccountId))
        {
            decimal running = 0;
            foreach (var (recorded, entry) in account.OrderBy(x => x.Recorded.StreamVersion))
            {
                running += entry.Amount;
                if (entry.BalanceAfter != running) violations.Add($"account {account.Key} v{recorded.StreamVersion}: balance after {entry.BalanceAfter}, entries sum to {running}");
                if (entry.Kind == EntryKinds.Payout && entry.Amount >= 0) violations.Add($"account {account.Key}: payout of {entry.Amount} is not negative");
            }
            balances += running;
            foreach (var day in account.Where(x => x.Entry.Kind == EntryKinds.Payout).GroupBy(x => x.Entry.PayoutDate).Where(g => g.Count() > 1))
                violations.Add($"account {account.Key} paid out {day.Count()} times for {day.Key}");
        }

        var feesCharged = entries.Where(x => x.Entry.Kind == EntryKinds.AssignFee).Sum(x => -x.Entry.Amount);
        var rewardsCredited = entries.Where(x => x.Entry.Kind == EntryKinds.Reward).Sum(x => x.Entry.Amount);
        var paidOut = entries.Where(x => x.Entry.Kind == EntryKinds.Payout).Sum(x => -x.Entry.Amount);
        if (balances + paidOut != rewardsCredited - feesCharged)
            violations.Add($"Σ balances {balances} + Σ payouts {paidOut} ≠ Σ rewards {rewardsCredited} − Σ fees {feesCharged}");

        return new InvariantReport(assignments.Count, completions.Count, entries.Count(x => x.Entry.Kind == EntryKinds.Payout),
            feesCharged, rewardsCredited, paidOut, balances, violations);
    }
}
