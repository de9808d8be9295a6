namespace Ates.Storage.Postgres;

/// <summary>How <see cref="PostgresJournal"/> reaches and uses its database.</summary>
public sealed record PostgresJournalOptions
{
    /// <summary>An Npgsql connection string (<c>ConnectionStrings:Ates</c>).</summary>
    public required string ConnectionString { get; init; }

    /// <summary>How long an operation keeps retrying while the database is unreachable (a restart, a failover) before it fails.</summary>
    public TimeSpan RetryWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Most events one group commit carries (an append larger than this still goes whole, alone).</summary>
    public int MaxEventsPerCommit { get; init; } = 4096;

    /// <summary>
    /// Group commits in flight at once: while one waits for its fsync the next batch is already being sent. Streams are
    /// spread over them by id, so the appends of one stream are still committed in the order they were made.
    /// </summary>
    public int ConcurrentCommits { get; init; } = 2;

    /// <summary>The LISTEN/NOTIFY channel that wakes the journal's listeners in every process after a commit.</summary>
    public string Channel { get; init; } = "ates_journal_committed";

    /// <summary>
    /// How long the LISTEN connection may hear nothing before it checks that it is still connected (a connection
    /// dropped without a word would otherwise never report, and other processes' commits would go unheard).
    /// </summary>
    public TimeSpan ListenProbeInterval { get; init; } = TimeSpan.FromSeconds(15);
}
