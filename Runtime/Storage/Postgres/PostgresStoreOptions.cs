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

    /// <summary>
    /// How long the log's tail (<see cref="LogTail"/>) waits after a commit before it queries, so one query serves the
    /// commits of that moment for every subscription partition of the silo.
    /// </summary>
    public TimeSpan TailLinger { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How long the tail trusts that no commit went unannounced before a reader makes it look again.</summary>
    public TimeSpan TailMaxAge { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The pause between two checkpoint statements, so each carries the moves of many pumps. Pumps do not wait for
    /// their moves while they have work; a position is at most this much older in the store than in the pump.
    /// </summary>
    public TimeSpan CheckpointPause { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Recent events the tail keeps in memory, over all partitions; a pump further behind reads the database.</summary>
    public int TailEvents { get; init; } = 65_536;

    /// <summary>The LISTEN/NOTIFY channel that wakes subscriptions in every silo after a commit.</summary>
    public string Channel { get; init; } = "ates_committed";
}
