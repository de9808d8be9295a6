namespace Ates.Runtime.Storage.Postgres;

public sealed record PostgresStoreOptions
{
    /// <summary>An Npgsql connection string (<c>ConnectionStrings:Ates</c>).</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Partitions of the log; fixed when the store is created, and checked against the database at every start.</summary>
    public int Partitions { get; init; } = 16;

    /// <summary>Most events one group commit carries.</summary>
    public int MaxEventsPerCommit { get; init; } = 4096;

    /// <summary>Group commits in flight at once: while one waits for its fsync the next batch is already being sent.</summary>
    public int ConcurrentCommits { get; init; } = 2;

    /// <summary>How long an operation keeps retrying while the database is unreachable (a restart, a failover) before it fails.</summary>
    public TimeSpan RetryWindow { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>A subscription partition's pause after a wake-up before it queries, so one query serves several commits.</summary>
    public TimeSpan SubscriptionLinger { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The LISTEN/NOTIFY channel that wakes subscriptions in every silo after a commit.</summary>
    public string Channel { get; init; } = "ates_committed";
}
