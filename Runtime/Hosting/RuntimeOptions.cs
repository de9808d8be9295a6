namespace Ates.Runtime;

/// <summary>Knobs of the runtime; defaults follow DESIGN.md "Runtime semantics".</summary>
public sealed class RuntimeOptions
{
    /// <summary>Partitions of the global log (fixed for a store once it holds data).</summary>
    public int Partitions { get; set; } = 16;

    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Idle time after which an activation is collected, unless its class says otherwise.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often idle activations are looked for; collection happens within one quantum after the age limit.</summary>
    public TimeSpan CollectionQuantum { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A journaled grain writes a snapshot after this many events since the last one.</summary>
    public int SnapshotEvery { get; set; } = 100;

    /// <summary>Attempts to deliver an event to a subscription before it is parked as a dead letter.</summary>
    public int DeliveryAttempts { get; set; } = 5;

    /// <summary>Delay before the second attempt; doubles each attempt up to <see cref="MaxRetryBackoff"/>.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Events read per partition per round trip by a subscription.</summary>
    public int SubscriptionBatchSize { get; set; } = 256;

    /// <summary>A subscription partition with no wake-up still looks for new events this often.</summary>
    public TimeSpan SubscriptionPollInterval { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan HeartbeatPeriod { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A silo that has not renewed its leases for this long loses them, and is counted dead.</summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a silo looks for due reminders (a reminder fires at most this late) and learns of reminders other silos registered.</summary>
    public TimeSpan ReminderRefresh { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>What this silo reports as its address in the membership table.</summary>
    public string SiloAddress { get; set; } = Environment.MachineName;
}
