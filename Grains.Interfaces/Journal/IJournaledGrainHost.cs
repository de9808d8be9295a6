namespace Ates.Journal;

/// <summary>
/// Implemented by a <c>JournaledGrain</c> whose log lives in the journal. The journal's log-consistency provider calls it:
/// to stamp a raised event with its metadata, to let the fold see the metadata of the event it applies, and to know how
/// often to snapshot.
/// </summary>
public interface IJournaledGrainHost
{
    /// <summary>The metadata of an event raised now: when, and the correlation of the call that raised it.</summary>
    EventMetadata StampRaisedEvent();

    /// <summary>Called just before the fold applies an event, with that event's metadata.</summary>
    void BeforeFold(EventMetadata metadata);

    /// <summary>Events between snapshots of the state; may grow with the state so that snapshots cost O(1) per event.</summary>
    int SnapshotEvery { get; }

    /// <summary>Hands the grain its log: its stream id, a way to drop what it raised, and its confirmed events.</summary>
    void Attach(IJournalLog log);
}

/// <summary>What a journaled grain may ask of its log beyond <c>JournaledGrain</c>'s own API.</summary>
public interface IJournalLog
{
    /// <summary>The grain's stream in the journal ("task/5f0c…").</summary>
    string StreamId { get; }

    /// <summary>Drops events raised and not confirmed, and rebuilds the state from the journal.</summary>
    Task DiscardUnconfirmedAsync();

    /// <summary>The grain's confirmed events after a version, oldest first (for histories and audit views).</summary>
    Task<IReadOnlyList<JournalEvent>> ReadConfirmedAsync(long afterVersion, int maxCount);

    /// <summary>Reads the grain's stream unless its state was read already (for a grain that does not read it when it activates).</summary>
    Task EnsureLoadedAsync();
}
