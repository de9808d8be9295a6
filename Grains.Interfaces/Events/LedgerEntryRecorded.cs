using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

/// <summary>One line of an account's ledger. Amount is signed (fees and payouts negative); idempotent by SourceEventId.</summary>
[EventType("ledger.entry-recorded", 1)]
public sealed record LedgerEntryRecorded(
    Guid EntryId,
    Guid AccountId,
    string Kind,
    decimal Amount,
    decimal BalanceAfter,
    Guid? TaskId,
    string Description,
    string SourceId,
    DateTimeOffset At,
    DateOnly? PayoutDate);
