namespace Ates.Runtime;

/// <summary>
/// A place in the global log. Readers page by (Tx, Seq): in PostgreSQL Tx is the committing transaction id and Seq
/// the identity position, because positions are allocated before commit and commit out of order; the embedded store
/// publishes in order and keeps Tx at zero.
/// </summary>
public readonly record struct LogPosition(long Tx, long Seq) : IComparable<LogPosition>
{
    public static readonly LogPosition Start = new(0, 0);

    public int CompareTo(LogPosition other) => Tx != other.Tx ? Tx.CompareTo(other.Tx) : Seq.CompareTo(other.Seq);

    public static bool operator <(LogPosition a, LogPosition b) => a.CompareTo(b) < 0;
    public static bool operator >(LogPosition a, LogPosition b) => a.CompareTo(b) > 0;
    public static bool operator <=(LogPosition a, LogPosition b) => a.CompareTo(b) <= 0;
    public static bool operator >=(LogPosition a, LogPosition b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Tx}:{Seq}";
}

/// <summary>Metadata every event carries (DESIGN.md "Event contracts").</summary>
public sealed record EventMetadata(
    DateTimeOffset OccurredAt,
    string? CorrelationId,
    string? CausationId,
    string? TraceParent,
    string? ActorUserId);

/// <summary>An event about to be appended.</summary>
public sealed record EventData(Guid EventId, string Type, int Version, byte[] Data, EventMetadata Metadata);

/// <summary>An event as stored: immutable, with its place in its stream and in the global log.</summary>
public sealed record RecordedEvent(
    Guid EventId,
    string StreamId,
    long StreamVersion,
    LogPosition Position,
    int Partition,
    string Type,
    int Version,
    byte[] Data,
    EventMetadata Metadata)
{
    /// <summary>The part of the stream id before the first '/', e.g. "task" for "task/5f0c…".</summary>
    public string StreamNamespace => StreamIds.NamespaceOf(StreamId);

    /// <summary>The part of the stream id after the first '/'.</summary>
    public string StreamKey => StreamIds.KeyOf(StreamId);
}

public sealed record AppendResult(long NextExpectedVersion, LogPosition LastPosition);

public sealed record StreamSnapshot(string StreamId, long Version, byte[] State);

public sealed record DeadLetter(
    Guid Id,
    string Subscription,
    int Partition,
    Guid EventId,
    string StreamId,
    long StreamVersion,
    LogPosition Position,
    string Type,
    string Error,
    int Attempts,
    DateTimeOffset FirstFailedAt,
    DateTimeOffset LastFailedAt);

public sealed record ReminderEntry(GrainId Grain, string Name, DateTimeOffset DueAt, TimeSpan Period, Guid ETag);

public enum SiloStatus
{
    Active,
    ShuttingDown,
    Dead,
}

public sealed record SiloEntry(string SiloId, string Address, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, SiloStatus Status);

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

/// <summary>Maps a partition key to one of P partitions with a hash that is stable across processes and versions.</summary>
public static class Partitioning
{
    public static int PartitionOf(string key, int partitions)
    {
        // FNV-1a over UTF-16 code units: string.GetHashCode is randomized per process, this is not.
        uint hash = 2166136261;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619;
        }
        return (int)(hash % (uint)partitions);
    }
}
