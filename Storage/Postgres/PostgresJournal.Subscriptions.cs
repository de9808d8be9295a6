using Ates.Journal;
using Ates.Storage.Journal;
using Npgsql;
using NpgsqlTypes;

namespace Ates.Storage.Postgres;

// The subscriptions' state: epochs, checkpoints per queue, and the dead letters they park.
public sealed partial class PostgresJournal
{
    public Task<long> ReadEpochAsync(string subscription, CancellationToken ct = default) =>
        QueryAsync(PostgresSql.ReadEpoch, p => p.AddWithValue("subscription", subscription), async r =>
        {
            await r.ReadAsync(ct).ConfigureAwait(false);
            return r.GetInt64(0);
        }, ct);

    public Task<SubscriptionCheckpoint> ReadCheckpointAsync(string subscription, int queue, CancellationToken ct = default) =>
        QueryAsync(PostgresSql.ReadCheckpoint, p =>
        {
            p.AddWithValue("subscription", subscription);
            p.AddWithValue("queue", queue);
        }, async r =>
        {
            await r.ReadAsync(ct).ConfigureAwait(false);
            var epoch = r.GetInt64(0);
            return r.IsDBNull(1)
                ? new SubscriptionCheckpoint(subscription, queue, epoch, JournalPosition.Start, null, DateTimeOffset.MinValue)
                : new SubscriptionCheckpoint(subscription, queue, epoch, new JournalPosition(r.GetInt64(1), r.GetInt64(2)), NullableString(r, 3),
                    r.GetFieldValue<DateTimeOffset>(4));
        }, ct);

    public Task<IReadOnlyList<SubscriptionCheckpoint>> ReadCheckpointsAsync(string subscription, CancellationToken ct = default) =>
        QueryAsync<IReadOnlyList<SubscriptionCheckpoint>>(PostgresSql.ReadCheckpoints, p => p.AddWithValue("subscription", subscription), async r =>
        {
            var checkpoints = new List<SubscriptionCheckpoint>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                checkpoints.Add(new SubscriptionCheckpoint(subscription, r.GetInt32(0), r.GetInt64(1), new JournalPosition(r.GetInt64(2), r.GetInt64(3)),
                    NullableString(r, 4), r.GetFieldValue<DateTimeOffset>(5)));
            }
            return checkpoints;
        }, ct);

    public async Task<bool> AdvanceCheckpointAsync(SubscriptionCheckpoint checkpoint, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var attempts = 0;
        var moved = await WithRetryAsync(async () =>
        {
            attempts++;
            await using var command = _dataSource.CreateCommand(PostgresSql.AdvanceCheckpoint);
            var p = command.Parameters;
            p.AddWithValue("subscription", checkpoint.Subscription);
            p.AddWithValue("queue", checkpoint.Queue);
            p.AddWithValue("epoch", checkpoint.Epoch);
            p.AddWithValue("tx", checkpoint.Position.Tx);
            p.AddWithValue("position", checkpoint.Position.Seq);
            p.Add(new NpgsqlParameter("owner", NpgsqlDbType.Text) { Value = (object?)checkpoint.Owner ?? DBNull.Value });
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, ct).ConfigureAwait(false);
        if (moved || attempts == 1) return moved;
        // A retry found nothing to move: the attempt whose answer was lost may have moved it. If the checkpoint is now
        // exactly ours, it was.
        var stored = await ReadCheckpointAsync(checkpoint.Subscription, checkpoint.Queue, ct).ConfigureAwait(false);
        return stored.Epoch == checkpoint.Epoch && stored.Position == checkpoint.Position && stored.Owner == checkpoint.Owner;
    }

    /// <remarks>Not idempotent: a retry after a lost answer may bump the epoch twice, which still starts the subscription over.</remarks>
    public Task<long> RestartSubscriptionAsync(string subscription, CancellationToken ct = default) =>
        QueryAsync(PostgresSql.RestartSubscription, p => p.AddWithValue("subscription", subscription), async r =>
        {
            await r.ReadAsync(ct).ConfigureAwait(false);
            return r.GetInt64(0);
        }, ct);

    // ---- dead letters ----

    /// <remarks>A retry after a lost answer may count the attempts twice; everything else of the entry comes out the same.</remarks>
    public async Task ParkAsync(DeadLetter deadLetter, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        await ExecuteAsync(PostgresSql.ParkDeadLetter, p =>
        {
            p.AddWithValue("id", deadLetter.Id);
            p.AddWithValue("subscription", deadLetter.Subscription);
            p.AddWithValue("target", deadLetter.Target);
            p.AddWithValue("event_id", deadLetter.EventId);
            p.AddWithValue("stream_id", deadLetter.StreamId);
            p.AddWithValue("stream_version", deadLetter.StreamVersion);
            p.AddWithValue("tx", deadLetter.Position.Tx);
            p.AddWithValue("position", deadLetter.Position.Seq);
            p.AddWithValue("type", deadLetter.Type);
            p.AddWithValue("error", deadLetter.Error);
            p.AddWithValue("attempts", deadLetter.Attempts);
            p.AddWithValue("first_failed_at", deadLetter.FirstFailedAt.ToUniversalTime());
            p.AddWithValue("last_failed_at", deadLetter.LastFailedAt.ToUniversalTime());
        }, ct).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(CancellationToken ct = default) =>
        QueryAsync<IReadOnlyList<DeadLetter>>(PostgresSql.ReadDeadLetters, _ => { }, async r =>
        {
            var letters = new List<DeadLetter>();
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                letters.Add(new DeadLetter(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetGuid(3), r.GetString(4), r.GetInt64(5),
                    new JournalPosition(r.GetInt64(6), r.GetInt64(7)), r.GetString(8), r.GetString(9), r.GetInt32(10),
                    r.GetFieldValue<DateTimeOffset>(11), r.GetFieldValue<DateTimeOffset>(12)));
            }
            return letters;
        }, ct);

    /// <remarks>A retry after a lost answer finds the entry gone and answers false although this call removed it.</remarks>
    public async Task<bool> RemoveDeadLetterAsync(Guid id, CancellationToken ct = default) =>
        await ExecuteAsync(PostgresSql.RemoveDeadLetter, p => p.AddWithValue("id", id), ct).ConfigureAwait(false) == 1;
}
