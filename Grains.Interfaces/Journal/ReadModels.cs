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
public sealed record ReadRow(string Model, string Key, long Version, long Seq, string? Owner, string? State, string Text, byte[] Data);

/// <param name="Words">Lower-cased words that must all appear in the row's text.</param>
/// <param name="Before">Only rows with a lower <see cref="ReadRow.Seq"/> (the previous page's last).</param>
public sealed record ReadQuery(string Model, string? Owner, string? State, IReadOnlyList<string> Words, long? Before, int Limit);

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

    /// <summary>Rows that match, highest <see cref="ReadRow.Seq"/> first.</summary>
    Task<IReadOnlyList<ReadRow>> QueryAsync(ReadQuery query, CancellationToken ct = default);

    /// <summary>The keys of every row of the model in a state (every open task, for a shuffle).</summary>
    Task<IReadOnlyList<string>> KeysAsync(string model, string state, CancellationToken ct = default);
}
