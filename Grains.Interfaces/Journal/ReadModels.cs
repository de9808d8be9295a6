namespace Ates.Journal;

/// <summary>
/// A row of a read model (the task board): the view itself as JSON, and what queries filter and sort on. A row shows one
/// journal stream as of <see cref="Version"/> (that stream's version), so it only ever moves forward, however often an
/// event is delivered.
/// </summary>
/// <param name="Model">Which read model ("task-board").</param>
/// <param name="Key">The row's key within the model (a task id).</param>
/// <param name="Seq">Sorts the rows, newest first, and is the paging cursor.</param>
/// <param name="Owner">Filters by whom the row belongs to (a task's assignee).</param>
/// <param name="State">Filters by state ("open", "done").</param>
/// <param name="Text">What word searches look in, lower-cased.</param>
/// <param name="RankA">A second order the model offers, highest first (the task board: the assign fee).</param>
/// <param name="RankB">A third (the task board: the reward).</param>
public sealed record ReadRow(string Model, string Key, long Version, long Seq, string? Owner, string? State, string Text, byte[] Data,
    decimal RankA = 0, decimal RankB = 0);

/// <summary>How a query sorts: always highest first, ties by <see cref="ReadRow.Seq"/>, highest first.</summary>
public enum ReadOrder
{
    Seq,
    RankA,
    RankB,
}

/// <param name="Words">Lower-cased words that must all appear in the row's text.</param>
/// <param name="Before">Only rows after the previous page's last, whose <see cref="ReadRow.Seq"/> this is (and, when
/// sorting by a rank, whose rank is <paramref name="BeforeRank"/>).</param>
public sealed record ReadQuery(string Model, string? Owner, string? State, IReadOnlyList<string> Words, long? Before, int Limit,
    ReadOrder Order = ReadOrder.Seq, decimal? BeforeRank = null)
{
    /// <summary>The sort value of a row under this query's order (what <see cref="BeforeRank"/> is compared with).</summary>
    public decimal RankOf(ReadRow row) => Order switch { ReadOrder.RankA => row.RankA, ReadOrder.RankB => row.RankB, _ => row.Seq };
}

/// <summary>
/// The read models' rows, in the journal's database (SQLite, PostgreSQL) beside the events, written by a subscription's
/// consumers and queried by grains, so that a view of every task needs no grain to hold every task. With the rows, each
/// write records how far in its journal partition the model has applied events, so a reader can wait for what was
/// acknowledged before it asked.
/// </summary>
public interface IReadModelStore
{
    /// <summary>
    /// Writes rows (each only where it is newer than the stored one) and records that the model has applied partition
    /// <paramref name="partition"/> through <paramref name="through"/> (never backwards), all at once.
    /// </summary>
    Task ApplyAsync(string model, int partition, IReadOnlyList<ReadRow> rows, JournalPosition through, CancellationToken ct = default);

    /// <summary>How far the model has applied each partition (index = partition).</summary>
    Task<IReadOnlyList<JournalPosition>> AppliedThroughAsync(string model, CancellationToken ct = default);

    /// <summary>The stored rows of these keys.</summary>
    Task<IReadOnlyList<ReadRow>> GetAsync(string model, IReadOnlyCollection<string> keys, CancellationToken ct = default);

    /// <summary>Rows that match, in the query's order.</summary>
    Task<IReadOnlyList<ReadRow>> QueryAsync(ReadQuery query, CancellationToken ct = default);

    /// <summary>How many rows match the query's model, owner, state and words (its cursor and limit aside).</summary>
    Task<long> CountAsync(ReadQuery query, CancellationToken ct = default);

    /// <summary>The keys of every row of the model in a state (every open task, for a shuffle).</summary>
    Task<IReadOnlyList<string>> KeysAsync(string model, string state, CancellationToken ct = default);
}
