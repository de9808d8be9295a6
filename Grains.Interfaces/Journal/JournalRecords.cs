namespace Ates.Journal;

/// <summary>
/// A place in the journal's commit order. On PostgreSQL <see cref="Tx"/> is the committing transaction and <see cref="Seq"/>
/// the position allocated at insert (positions are allocated before commit and commit out of order, so readers page by
/// both); SQLite and memory commit one writer at a time and keep <see cref="Tx"/> at zero.
/// </summary>
[GenerateSerializer, Immutable, Alias("ates.journal.position")]
public readonly record struct JournalPosition([property: Id(0)] long Tx, [property: Id(1)] long Seq) : IComparable<JournalPosition>
{
    public static readonly JournalPosition Start = new(0, 0);

    public int CompareTo(JournalPosition other) => Tx != other.Tx ? Tx.CompareTo(other.Tx) : Seq.CompareTo(other.Seq);

    public static bool operator <(JournalPosition a, JournalPosition b) => a.CompareTo(b) < 0;
    public static bool operator >(JournalPosition a, JournalPosition b) => a.CompareTo(b) > 0;
    public static bool operator <=(JournalPosition a, JournalPosition b) => a.CompareTo(b) <= 0;
    public static bool operator >=(JournalPosition a, JournalPosition b) => a.CompareTo(b) >= 0;

    public static JournalPosition Max(JournalPosition a, JournalPosition b) => a >= b ? a : b;

    public override string ToString() => $"{Tx}:{Seq}";

    /// <summary>Reads what <see cref="ToString"/> wrote ("tx:seq").</summary>
    public static bool TryParse(string? text, out JournalPosition position)
    {
        position = Start;
        var parts = text?.Split(':');
        if (parts is not { Length: 2 }
            || !long.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var tx)
            || !long.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq)) return false;
        position = new JournalPosition(tx, seq);
        return true;
    }
}

/// <summary>What every event carries beside its data (docs/design.md "The journal").</summary>
[GenerateSerializer, Immutable, Alias("ates.journal.metadata")]
public sealed record EventMetadata(
    [property: Id(0)] DateTimeOffset OccurredAt,
    [property: Id(1)] string? CorrelationId,
    [property: Id(2)] string? CausationId,
    [property: Id(3)] string? TraceParent,
    [property: Id(4)] string? ActorUserId);

/// <summary>An event about to be appended.</summary>
public sealed record NewEvent(Guid EventId, string Type, int Version, byte[] Data, EventMetadata Metadata);

/// <summary>An event as the journal holds it: immutable, with its place in its stream and in the commit order.</summary>
[GenerateSerializer, Immutable, Alias("ates.journal.event")]
public sealed record JournalEvent(
    [property: Id(0)] Guid EventId,
    [property: Id(1)] string StreamId,
    [property: Id(2)] long StreamVersion,
    [property: Id(3)] JournalPosition Position,
    [property: Id(4)] string Type,
    [property: Id(5)] int Version,
    [property: Id(6)] byte[] Data,
    [property: Id(7)] EventMetadata Metadata)
{
    /// <summary>The part of the stream id before the first '/', e.g. "task" for "task/5f0c…".</summary>
    public string StreamNamespace => StreamIds.NamespaceOf(StreamId);

    /// <summary>The part of the stream id after the first '/'.</summary>
    public string StreamKey => StreamIds.KeyOf(StreamId);
}

/// <param name="NextExpectedVersion">The stream's version after the append.</param>
/// <param name="LastPosition">Where the last appended event sits in the commit order.</param>
public sealed record AppendResult(long NextExpectedVersion, JournalPosition LastPosition);

/// <summary>An append found the stream at another version than the writer expected; nothing was written.</summary>
[GenerateSerializer, Alias("ates.journal.conflict")]
public sealed class JournalConflictException : Exception
{
    public JournalConflictException(string streamId, long expectedVersion, long actualVersion)
        : base($"Stream '{streamId}' is at version {actualVersion}, the writer expected {expectedVersion}.")
    {
        StreamId = streamId;
        ExpectedVersion = expectedVersion;
        ActualVersion = actualVersion;
    }

    [Id(0)] public string StreamId { get; } = "";
    [Id(1)] public long ExpectedVersion { get; }
    [Id(2)] public long ActualVersion { get; }
}

/// <summary>The journal cannot take writes (a failed fsync, a closed journal); nothing more is acknowledged.</summary>
[GenerateSerializer, Alias("ates.journal.unavailable")]
public sealed class JournalUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

public static class StreamIds
{
    public static string For(string streamNamespace, string key) => $"{streamNamespace}/{key}";

    public static string NamespaceOf(string streamId)
    {
        var slash = streamId.IndexOf('/');
        return slash < 0 ? streamId : streamId[..slash];
    }

    public static string KeyOf(string streamId)
    {
        var slash = streamId.IndexOf('/');
        return slash < 0 ? string.Empty : streamId[(slash + 1)..];
    }
}
