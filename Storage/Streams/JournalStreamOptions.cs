namespace Ates.Storage.Streams;

/// <summary>
/// Knobs of one subscription (one instance of the journal stream provider). Its queues are the journal's partitions
/// (<see cref="Ates.Journal.JournalPartitions"/>): the unit Orleans' queue balancer spreads over the silos.
/// </summary>
public sealed class JournalStreamOptions
{
    /// <summary>Journal events one queue reads at a time.</summary>
    public int ReadBatchSize { get; set; } = 512;

    /// <summary>Most events a consumer gets in one call: what accumulated for it while its last call ran, merged.</summary>
    public int MaxEventsPerDelivery { get; set; } = 1024;

    /// <summary>A queue with this many batches not yet delivered stops reading until consumers catch up.</summary>
    public int MaxUndeliveredBatches { get; set; } = 8192;

    /// <summary>
    /// Delivered events a queue keeps for consumers that rewind (Orleans' handshake) before it forgets them. Only an
    /// optimisation (a consumer that rewinds further has had those events), so small: every queue of every subscription
    /// keeps this many events in memory.
    /// </summary>
    public int RetainedEvents { get; set; } = 2048;

    /// <summary>How long a queue with nothing to read waits for a commit before it hands control back to its agent.</summary>
    public TimeSpan ReadWait { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How often a queue writes its checkpoint while it moves. Every queue of every subscription writes (five
    /// subscriptions of eight partitions: 160 durable writes a second under load at this interval); a checkpoint that
    /// lags only means more events delivered again after a crash, which consumers ignore.
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a queue looks whether its subscription was rebuilt (a new epoch).</summary>
    public TimeSpan EpochCheckInterval { get; set; } = TimeSpan.FromSeconds(2);
}
