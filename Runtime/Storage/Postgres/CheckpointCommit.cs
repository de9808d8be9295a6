using System.Threading.Channels;
using Npgsql;

namespace Ates.Runtime.Storage.Postgres;

/// <summary>
/// Checkpoint moves of every pump of the silo, committed together: whatever moves are waiting go as one fenced
/// statement in one transaction, instead of a commit (and an fsync) per partition per subscription per batch. Each
/// move still succeeds or fails on its own fence. A retried statement is safe: a move that had landed fails its
/// fence the second time, and the pump reads its checkpoint again.
/// </summary>
internal sealed class CheckpointCommit : IAsyncDisposable
{
    private readonly PostgresStore _store;
    private readonly Channel<PendingMove> _queue = Channel.CreateUnbounded<PendingMove>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    private readonly TimeSpan _pause;

    public CheckpointCommit(PostgresStore store, TimeSpan pause)
    {
        _store = store;
        _pause = pause;
        _writer = Task.Run(WriteLoopAsync);
    }

    public Task<bool> MoveAsync(string subscription, int partition, LogPosition expected, LogPosition next, int fencePid, long fenceKey)
    {
        var move = new PendingMove(subscription, partition, expected, next, fencePid, fenceKey);
        if (!_queue.Writer.TryWrite(move)) throw new StoreUnavailableException("The store is closed.");
        return move.Done.Task;
    }

    private async Task WriteLoopAsync()
    {
        var deferred = new List<PendingMove>();
        while (deferred.Count > 0 || await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Two moves of one checkpoint never share a statement: the second expects the first's result.
            var batch = new Dictionary<(string, int), PendingMove>();
            var carried = deferred;
            deferred = [];
            foreach (var move in carried) Take(move);
            while (_queue.Reader.TryRead(out var next)) Take(next);
            await CommitAsync(batch.Values.ToList()).ConfigureAwait(false);
            // A wall-clock pause (a cost knob, not a semantic delay: a manual test clock must not stall it).
            if (_pause > TimeSpan.Zero) await Task.Delay(_pause, TimeProvider.System).ConfigureAwait(false);

            void Take(PendingMove move)
            {
                if (!batch.TryAdd((move.Subscription, move.Partition), move)) deferred.Add(move);
            }
        }
    }

    private async Task CommitAsync(List<PendingMove> batch)
    {
        try
        {
            var moved = await _store.WithRetryAsync(async () =>
            {
                var result = new HashSet<(string, int)>();
                await using var command = _store.DataSource.CreateCommand(PostgresSql.MoveCheckpoints);
                var p = command.Parameters;
                p.AddWithValue("subscriptions", batch.Select(m => m.Subscription).ToArray());
                p.AddWithValue("partitions", batch.Select(m => m.Partition).ToArray());
                p.AddWithValue("txs", batch.Select(m => m.Expected.Tx).ToArray());
                p.AddWithValue("positions", batch.Select(m => m.Expected.Seq).ToArray());
                p.AddWithValue("next_txs", batch.Select(m => m.Next.Tx).ToArray());
                p.AddWithValue("next_positions", batch.Select(m => m.Next.Seq).ToArray());
                p.AddWithValue("fence_pids", batch.Select(m => m.FencePid).ToArray());
                p.AddWithValue("fence_his", batch.Select(m => (m.FenceKey >> 32) & 0xFFFF_FFFFL).ToArray());
                p.AddWithValue("fence_los", batch.Select(m => m.FenceKey & 0xFFFF_FFFFL).ToArray());
                await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
                while (await reader.ReadAsync().ConfigureAwait(false)) result.Add((reader.GetString(0), reader.GetInt32(1)));
                return result;
            }, CancellationToken.None).ConfigureAwait(false);
            foreach (var move in batch) move.Done.TrySetResult(moved.Contains((move.Subscription, move.Partition)));
        }
        catch (Exception ex)
        {
            foreach (var move in batch) move.Done.TrySetException(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private sealed record PendingMove(string Subscription, int Partition, LogPosition Expected, LogPosition Next, int FencePid, long FenceKey)
    {
        public TaskCompletionSource<bool> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
