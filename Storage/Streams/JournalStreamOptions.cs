namespace Ates.Storage.Streams;

/// <summary>Knobs of one subscription (one instance of the journal stream provider).</summary>
public sealed class JournalStreamOptions
{
    /// <summary>
    /// Queues of the subscription: the unit that Orleans' queue balancer spreads over the silos. Every queue reads the
    /// whole journal (keeping what is routed to it), so more queues cost reads, not parallelism: deliveries to different
    /// streams of one queue already run side by side. Fixed per deployment.
    /// </summary>
    public int Queues { get; set; } = 4;

    /// <summary>Journal events one queue reads at a time.</summary>
    public int ReadBatchSize { get; set; } = 512;

    /// <summary>A queue with this many batches not yet delivered stops reading until consumers catch up.</summary>
    public int MaxUndeliveredBatches { get; set; } = 8192;

    /// <summary>Delivered batches a queue keeps for consumers that rewind (Orleans' handshake) before it forgets them.</summary>
    public int RetainedBatches { get; set; } = 2048;

    /// <summary>How long a queue with nothing to read waits for a commit before it hands control back to its agent.</summary>
    public TimeSpan ReadWait { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a queue writes its checkpoint while it moves.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How often a queue looks whether its subscription was rebuilt (a new epoch).</summary>
    public TimeSpan EpochCheckInterval { get; set; } = TimeSpan.FromSeconds(2);
}
