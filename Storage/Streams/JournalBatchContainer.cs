using Ates.Journal;
using Orleans.Runtime;
using Orleans.Streams;

namespace Ates.Storage.Streams;

/// <summary>
/// What a consumer grain receives in one call: every event of one read of the journal that the subscription routes to
/// its stream, in journal order (docs/design.md: a grain's events of a batch arrive together, one command and one append).
/// An empty batch marks a position only (see <see cref="JournalQueueCache"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("ates.journal.batch")]
public sealed class JournalBatchContainer(StreamId streamId, IReadOnlyList<JournalEvent> events, JournalSequenceToken token) : IBatchContainer
{
    [Id(0)] public StreamId StreamId { get; } = streamId;

    [Id(1)] public IReadOnlyList<JournalEvent> Events { get; } = events;

    [Id(2)] public JournalSequenceToken Token { get; } = token;

    public StreamSequenceToken SequenceToken => Token;

    public IEnumerable<Tuple<T, StreamSequenceToken>> GetEvents<T>() =>
        Events.OfType<T>().Select(e => Tuple.Create(e, (StreamSequenceToken)Token));

    // Each event carries its own correlation; the consumer restores it per event (CallContext.BeginFrom).
    public bool ImportRequestContext() => false;

    public override string ToString() => $"{StreamId} @{Token} ({Events.Count} events)";
}
