using System.Threading.Channels;
using Ates.Journal;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Ates.Storage.Postgres;

/// <summary>
/// Group commit of read-model writes: a read model's writers (the task board's, one per partition) each wait for their
/// rows to be durable, and whatever is waiting goes to the database in one transaction (one WAL flush), as appends
/// do. Each write on its own would be a transaction and a flush per delivery: thousands a second under load, taken
/// from the appends' share of the disk, and each an open transaction that holds back the journal's readers. A write
/// only moves rows and progress forward, so a batch whose commit went unanswered is simply sent again.
/// </summary>
internal sealed class ReadRowsCommit : IAsyncDisposable
{
    private const int MaxWritesPerCommit = 64;
    private readonly PostgresJournal _journal;
    private readonly ILogger _logger;
    private readonly Channel<PendingRows> _queue = Channel.CreateUnbounded<PendingRows>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public ReadRowsCommit(PostgresJournal journal, ILogger logger)
    {
        _journal = journal;
        _logger = logger;
        _writer = Task.Run(WriteLoopAsync);
    }

    public Task ApplyAsync(string model, int partition, IReadOnlyList<ReadRow> rows, JournalPosition through)
    {
        // One row per key and statement (PostgreSQL updates a row once per statement): the newest version of each.
        var newest = rows.GroupBy(r => r.Key).Select(g => g.MaxBy(r => r.Version)!).ToList();
        var write = new PendingRows(model, partition, newest, through);
        return _queue.Writer.TryWrite(write) ? write.Done.Task : Task.FromException(new JournalUnavailableException("The journal is closed."));
    }

    private async Task WriteLoopAsync()
    {
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var batch = new List<PendingRows>();
            while (batch.Count < MaxWritesPerCommit && reader.TryRead(out var next)) batch.Add(next);
            try
            {
                await _journal.WithRetryAsync(async () =>
                {
                    await using var connection = await _journal.DataSource.OpenConnectionAsync().ConfigureAwait(false);
                    await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
                    await using var statements = new NpgsqlBatch(connection, transaction);
                    foreach (var write in batch) statements.BatchCommands.Add(Statement(write));
                    await statements.ExecuteNonQueryAsync().ConfigureAwait(false);
                    await transaction.CommitAsync().ConfigureAwait(false);
                    return true;
                }, CancellationToken.None).ConfigureAwait(false);
                foreach (var write in batch) write.Done.TrySetResult();
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Read-model rows not written; their writers deliver them again");
                foreach (var write in batch) write.Done.TrySetException(ex);
            }
        }
    }

    private static NpgsqlBatchCommand Statement(PendingRows write)
    {
        var command = new NpgsqlBatchCommand(PostgresSql.ApplyReadRows);
        var p = command.Parameters;
        p.AddWithValue("model", write.Model);
        p.AddWithValue("partition", write.Partition);
        p.AddWithValue("tx", write.Through.Tx);
        p.AddWithValue("position", write.Through.Seq);
        p.AddWithValue("keys", write.Rows.Select(r => r.Key).ToArray());
        p.AddWithValue("versions", write.Rows.Select(r => r.Version).ToArray());
        p.AddWithValue("seqs", write.Rows.Select(r => r.Seq).ToArray());
        p.Add(new NpgsqlParameter("owners", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = write.Rows.Select(r => (object?)r.Owner ?? DBNull.Value).ToArray() });
        p.Add(new NpgsqlParameter("states", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = write.Rows.Select(r => (object?)r.State ?? DBNull.Value).ToArray() });
        p.AddWithValue("texts", write.Rows.Select(r => r.Text).ToArray());
        p.AddWithValue("data", write.Rows.Select(r => r.Data).ToArray());
        p.AddWithValue("ranks_a", write.Rows.Select(r => r.RankA).ToArray());
        p.AddWithValue("ranks_b", write.Rows.Select(r => r.RankB).ToArray());
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private sealed record PendingRows(string Model, int Partition, IReadOnlyList<ReadRow> Rows, JournalPosition Through)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
