using System.Diagnostics.CodeAnalysis;
using Ates.Journal;
using Orleans.Runtime;
using Orleans.Streams;

namespace Ates.Storage.Streams;

/// <summary>
/// The cache of one subscription queue, and the account of what it has delivered, from which the queue's checkpoint
/// follows: the end of the longest run of journal reads whose every batch was delivered (reads that routed nothing
/// to this queue count as delivered at once). So a checkpoint never passes an event that was not handled, and a queue
/// that nothing is routed to still follows the journal.
/// <para>
/// A batch counts as delivered when its consumer's cursor moves on from it after a delivery that did not fail, or
/// when the consumer vouches for it: Orleans' handshake hands the cache the token of the last batch the consumer
/// processed (<see cref="GetCacheCursor"/>), and everything of that stream up to it is the consumer's already — even
/// batches this queue reads only later, when another agent had delivered them before a handoff.
/// </para>
/// <para>
/// A consumer gets, in one call, every batch of its stream the cache holds when its cursor moves (up to
/// <see cref="JournalStreamOptions.MaxEventsPerDelivery"/> events): Orleans delivers to a stream one batch at a time, so
/// what arrives while a consumer is busy is merged into its next call — one call, one decision, one append — instead
/// of waiting in line a call each. The merged batch carries its last batch's token, so the handshake sees real tokens.
/// </para>
/// <para>
/// Cursors position as Orleans' handshake expects: the first <c>MoveNext</c> of a cursor made at token T returns the
/// batch at T when the cache has one — else an empty marker batch at T, which the agent skips as "already processed" —
/// and then every batch of the stream after T. So a token of another read's batching, or of an older epoch (a
/// rebuild), never makes the agent skip a batch that was not delivered: at worst a consumer is handed an event twice,
/// which consumers ignore (they are idempotent by event id). A failed delivery is handed out again, never skipped.
/// </para>
/// </summary>
internal sealed class JournalQueueCache(JournalStreamOptions options) : IQueueCache
{
    private readonly Lock _sync = new();
    private readonly LinkedList<Entry> _entries = [];
    private readonly Dictionary<StreamId, List<Entry>> _byStream = [];
    private readonly Dictionary<StreamId, (JournalSequenceToken Token, bool Inclusive)> _vouched = [];
    private readonly Queue<Read> _reads = new();
    private long _epoch;
    private JournalPosition _checkpoint;
    private int _undelivered;
    private int _events;

    /// <summary>Starts the account over at a checkpoint (a queue taken, or its subscription rebuilt under a new epoch).</summary>
    public void Reset(long epoch, JournalPosition start)
    {
        lock (_sync)
        {
            _entries.Clear();
            _byStream.Clear();
            _vouched.Clear();
            _reads.Clear();
            _events = 0;
            _epoch = epoch;
            _checkpoint = start;
            _undelivered = 0;
        }
    }

    /// <summary>Records one read of the journal up to <paramref name="end"/> and the batches it gave this queue.</summary>
    public void RecordRead(JournalPosition end, IReadOnlyList<JournalBatchContainer> batches)
    {
        lock (_sync)
        {
            var read = new Read(end);
            foreach (var batch in batches)
            {
                var entry = new Entry(batch, read);
                _entries.AddLast(entry);
                _events += batch.Events.Count;
                if (!_byStream.TryGetValue(batch.StreamId, out var stream)) _byStream[batch.StreamId] = stream = [];
                stream.Add(entry);
                read.Pending++;
                _undelivered++;
                if (_vouched.TryGetValue(batch.StreamId, out var vouched) && Covers(vouched, batch.Token)) Delivered(entry);
            }
            _reads.Enqueue(read);
        }
    }

    /// <summary>Where every batch up to it was delivered: what the queue may checkpoint.</summary>
    public JournalPosition DeliveredThrough()
    {
        lock (_sync)
        {
            while (_reads.TryPeek(out var read) && read.Pending == 0) _checkpoint = _reads.Dequeue().End;
            return _checkpoint;
        }
    }

    public int Undelivered
    {
        get
        {
            lock (_sync) return _undelivered;
        }
    }

    // The receiver records its reads itself (RecordRead), with the reads' ends, before the agent adds them here.
    public void AddToCache(IList<IBatchContainer> messages)
    {
    }

    /// <summary>
    /// Forgets the oldest delivered batches beyond <see cref="JournalStreamOptions.RetainedEvents"/> events (kept for
    /// consumers that rewind). A batch still undelivered stays, and so does its read in the account.
    /// </summary>
    public bool TryPurgeFromCache([MaybeNullWhen(false)] out IList<IBatchContainer> purgedItems)
    {
        lock (_sync)
        {
            List<IBatchContainer>? purged = null;
            var node = _entries.First;
            while (node is not null && _events > options.RetainedEvents)
            {
                var next = node.Next;
                if (node.Value.IsDelivered)
                {
                    _entries.Remove(node);
                    _events -= node.Value.Batch.Events.Count;
                    var streamId = node.Value.Batch.StreamId;
                    var stream = _byStream[streamId];
                    stream.Remove(node.Value);
                    if (stream.Count == 0) _byStream.Remove(streamId);
                    (purged ??= []).Add(node.Value.Batch);
                }
                node = next;
            }
            purgedItems = purged;
            return purged is not null;
        }
    }

    public IQueueCacheCursor GetCacheCursor(StreamId streamId, StreamSequenceToken? token)
    {
        var start = token as JournalSequenceToken;
        lock (_sync)
        {
            if (start is not null && start.Epoch == _epoch)
            {
                // The batch at the token is handed out first (and dealt with by the handshake); the consumer has everything
                // before it. A token that is no batch of this cache is the consumer's own: it has the batch at it too.
                var exact = Find(streamId, start) is not null;
                Vouch(streamId, start, inclusive: !exact);
            }
        }
        return new Cursor(this, streamId, start);
    }

    public bool IsUnderPressure()
    {
        lock (_sync) return _undelivered >= options.MaxUndeliveredBatches;
    }

    public int GetMaxAddCount() => options.ReadBatchSize;

    private void Vouch(StreamId streamId, JournalSequenceToken token, bool inclusive)
    {
        if (!_vouched.TryGetValue(streamId, out var known) || token.CompareTo(known.Token) > 0 || token.Equals(known.Token) && inclusive)
            _vouched[streamId] = (token, inclusive);
        if (!_byStream.TryGetValue(streamId, out var stream)) return;
        foreach (var entry in stream)
        {
            if (!Covers((token, inclusive), entry.Batch.Token)) break;
            Delivered(entry);
        }
    }

    private static bool Covers((JournalSequenceToken Token, bool Inclusive) vouched, JournalSequenceToken token)
    {
        var order = token.CompareTo(vouched.Token);
        return order < 0 || order == 0 && vouched.Inclusive;
    }

    private void Delivered(Entry entry)
    {
        if (entry.IsDelivered) return;
        entry.IsDelivered = true;
        entry.Read.Pending--;
        _undelivered--;
    }

    private Entry? Find(StreamId streamId, JournalSequenceToken token)
    {
        if (!_byStream.TryGetValue(streamId, out var stream)) return null;
        var i = FirstAtOrAfter(stream, token);
        return i < stream.Count && stream[i].Batch.Token.Equals(token) ? stream[i] : null;
    }

    /// <summary>
    /// The stream's batches from its first after <paramref name="after"/> (without a token, its first not delivered),
    /// with the ones that follow it while they fit in one delivery.
    /// </summary>
    private List<Entry>? Next(StreamId streamId, JournalSequenceToken? after)
    {
        if (!_byStream.TryGetValue(streamId, out var stream)) return null;
        int i;
        if (after is null)
        {
            i = stream.FindIndex(e => !e.IsDelivered);
            if (i < 0) return null;
        }
        else
        {
            i = FirstAtOrAfter(stream, after);
            if (i < stream.Count && stream[i].Batch.Token.Equals(after)) i++;
            if (i >= stream.Count) return null;
        }
        var run = new List<Entry> { stream[i] };
        var events = stream[i].Batch.Events.Count;
        for (var j = i + 1; j < stream.Count && events + stream[j].Batch.Events.Count <= options.MaxEventsPerDelivery; j++)
        {
            run.Add(stream[j]);
            events += stream[j].Batch.Events.Count;
        }
        return run;
    }

    /// <summary>A stream's batches are in token order (each read appends later tokens): a binary search, not a scan.</summary>
    private static int FirstAtOrAfter(List<Entry> stream, JournalSequenceToken token)
    {
        int lo = 0, hi = stream.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (stream[mid].Batch.Token.CompareTo(token) < 0) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private sealed class Read(JournalPosition end)
    {
        public JournalPosition End { get; } = end;
        public int Pending;
    }

    private sealed class Entry(JournalBatchContainer batch, Read read)
    {
        public JournalBatchContainer Batch { get; } = batch;
        public Read Read { get; } = read;
        public bool IsDelivered;
    }

    private sealed class Cursor(JournalQueueCache cache, StreamId streamId, JournalSequenceToken? start) : IQueueCacheCursor
    {
        private JournalSequenceToken? _start = start;
        private JournalSequenceToken? _after;
        private JournalBatchContainer? _current;
        private List<Entry>? _currentEntries;
        private bool _failed;

        public IBatchContainer? GetCurrent(out Exception? exception)
        {
            exception = null;
            return _current;
        }

        public bool MoveNext()
        {
            lock (cache._sync)
            {
                if (_current is not null)
                {
                    if (_failed)
                    {
                        // Never skipped: the agent gets the batch whose delivery failed again.
                        _failed = false;
                        return true;
                    }
                    if (_currentEntries is not null)
                    {
                        foreach (var entry in _currentEntries) cache.Delivered(entry);
                    }
                    _after = _current.Token;
                    _current = null;
                    _currentEntries = null;
                }
                if (_start is { } start)
                {
                    _start = null;
                    var exact = start.Epoch == cache._epoch ? cache.Find(streamId, start) : null;
                    _currentEntries = exact is null ? null : [exact];
                    _current = exact?.Batch ?? new JournalBatchContainer(streamId, [], start);
                    return true;
                }
                _currentEntries = cache.Next(streamId, _after);
                _current = _currentEntries switch
                {
                    null => null,
                    [var one] => one.Batch,
                    var run => new JournalBatchContainer(streamId, run.SelectMany(e => e.Batch.Events).ToList(), run[^1].Batch.Token),
                };
                return _current is not null;
            }
        }

        // Every MoveNext looks at the cache afresh.
        public void Refresh(StreamSequenceToken token)
        {
        }

        public void RecordDeliveryFailure()
        {
            lock (cache._sync)
            {
                if (_current is not null) _failed = true;
            }
        }

        public void Dispose()
        {
        }
    }
}
