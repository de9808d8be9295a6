using Ates.Journal;
using Orleans.Streams;

namespace Ates.Storage.Streams;

/// <summary>
/// Where a delivered batch sits: the subscription's epoch (it grows when the subscription is rebuilt from zero, so any
/// token of an older epoch is before every token of the current one) and the journal position of the batch's last
/// event. Tokens follow the journal's read order — (tx, position) on PostgreSQL, not position alone.
/// </summary>
[GenerateSerializer, Immutable, Alias("ates.journal.sequence-token")]
public sealed class JournalSequenceToken : StreamSequenceToken
{
    public JournalSequenceToken(long epoch, JournalPosition position)
    {
        Epoch = epoch;
        Position = position;
    }

    [Id(0)] public long Epoch { get; }

    [Id(1)] public JournalPosition Position { get; }

    // Orleans reads these for diagnostics and its own progress scan; ordering is CompareTo's.
    public override long SequenceNumber
    {
        get => Position.Seq;
        protected set { }
    }

    public override int EventIndex
    {
        get => 0;
        protected set { }
    }

    public override int CompareTo(StreamSequenceToken? other) => other switch
    {
        null => 1,
        JournalSequenceToken token => Epoch != token.Epoch ? Epoch.CompareTo(token.Epoch) : Position.CompareTo(token.Position),
        _ => throw new ArgumentException($"A journal stream compares its own tokens only, not {other.GetType().Name}.", nameof(other)),
    };

    public override bool Equals(StreamSequenceToken? other) => other is JournalSequenceToken token && token.Epoch == Epoch && token.Position == Position;

    public override bool Equals(object? obj) => obj is StreamSequenceToken token && Equals(token);

    public override int GetHashCode() => HashCode.Combine(Epoch, Position);

    public override string ToString() => $"{Epoch}/{Position}";
}
