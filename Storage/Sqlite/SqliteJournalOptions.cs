namespace Ates.Storage.Sqlite;

public sealed class SqliteJournalOptions
{
    /// <summary>The folder of the journal file (<c>ates.db</c>); created when missing.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Most writes one transaction (one fsync) takes together.</summary>
    public int MaxWritesPerCommit { get; init; } = 512;
}
