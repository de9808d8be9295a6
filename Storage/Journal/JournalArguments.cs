using Ates.Journal;

namespace Ates.Storage.Journal;

/// <summary>What every backend checks before an append touches storage.</summary>
internal static class JournalArguments
{
    public static void CheckAppend(string streamId, long expectedVersion, IReadOnlyList<NewEvent> events)
    {
        ArgumentException.ThrowIfNullOrEmpty(streamId);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedVersion);
        if (events.Count == 0) throw new ArgumentException("Nothing to append.", nameof(events));
        if (events.Select(e => e.EventId).Distinct().Count() != events.Count) throw new ArgumentException("Two events of one append share an id.", nameof(events));
    }
}
