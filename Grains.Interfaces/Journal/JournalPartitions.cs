using System.Security.Cryptography;
using System.Text;
using Orleans.Runtime;

namespace Ates.Journal;

/// <summary>
/// The journal's partitions (docs/design.md "Each event is read once across the cluster"). Every event belongs to the
/// partition of its stream, so one stream's events stay in one partition, in journal order. A subscription has one
/// queue per partition, owned by one silo at a time (Orleans' queue balancer), which reads only that partition; so
/// each event is read once across the cluster, whatever the number of silos. A consumer's Orleans streams are keyed
/// (target, partition): one queue feeds each stream (Orleans' handshake rule), and the target's grain gets the
/// streams of every partition.
/// <para>
/// The count and the function are part of the journal's schema: PostgreSQL computes the same function in a generated
/// column (md5 is built in there, which is why it is md5: a partitioning hash, not a security one). Changing either
/// needs a migration of every journal.
/// </para>
/// </summary>
public static class JournalPartitions
{
    /// <summary>Partitions of every journal, and so queues of every subscription: a power of two.</summary>
    public const int Count = 8;

    /// <summary>
    /// The Orleans stream-id mapper that sends a consumer's partitioned streams to its target's grain: name it on the
    /// consumer's <c>[ImplicitStreamSubscription(namespace, TargetMapper)]</c>.
    /// </summary>
    public const string TargetMapper = "ates.target";

    /// <summary>Parts every partition of a stream key: "target key#partition".</summary>
    public const char Separator = '#';

    /// <summary>Every partition, as a set.</summary>
    public const int All = (1 << Count) - 1;

    /// <summary>The partition of a journal stream: the low bits of the fourth byte of the MD5 of its UTF-8 id.</summary>
    public static int Of(string streamId)
    {
        Span<byte> hash = stackalloc byte[MD5.HashSizeInBytes];
        var length = Encoding.UTF8.GetByteCount(streamId);
        var bytes = length <= 256 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(streamId, bytes);
        MD5.HashData(bytes, hash);
        return hash[3] & (Count - 1);
    }

    /// <summary>The set (a bit per partition) holding <paramref name="partition"/>.</summary>
    public static int SetOf(int partition) => 1 << partition;

    /// <summary>The Orleans stream of a consumer's target fed by one partition's queue.</summary>
    public static StreamId StreamOf(StreamId target, int partition) =>
        StreamId.Create(target.GetNamespace() ?? "", $"{target.GetKeyAsString()}{Separator}{partition}");

    /// <summary>The target and partition of a partitioned stream; a stream without a partition is its own target.</summary>
    public static (StreamId Target, int? Partition) Split(StreamId stream)
    {
        var key = stream.GetKeyAsString();
        var separator = key.LastIndexOf(Separator);
        if (separator < 0 || !int.TryParse(key.AsSpan(separator + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var partition)
            || partition >= Count) return (stream, null);
        return (StreamId.Create(stream.GetNamespace() ?? "", key[..separator]), partition);
    }

    /// <summary>The target key of a partitioned stream key ("…#3" → "…").</summary>
    public static string TargetKeyOf(string streamKey)
    {
        var separator = streamKey.LastIndexOf(Separator);
        return separator < 0 ? streamKey : streamKey[..separator];
    }
}
