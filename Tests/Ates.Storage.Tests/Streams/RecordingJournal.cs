using System.Collections.Concurrent;
using Ates.Storage.Memory;

namespace Ates.Storage.Tests.Streams;

/// <summary>An in-memory journal that records every checkpoint move asked of it, and whether it moved, and counts the events its partition reads return.</summary>
public sealed class RecordingJournal : IJournalStore
{
    private readonly InMemoryJournal _inner = new();
    private readonly ConcurrentQueue<(int Queue, JournalPosition Position, string? Owner, bool Moved)> _moves = new();

    public IReadOnlyList<(int Queue, JournalPosition Position, string? Owner, bool Moved)> Moves => _moves.ToList();

    private long _partitionRowsRead;

    /// <summary>Events returned by partition reads so far (what PostgreSQL would count as rows fetched).</summary>
    public long PartitionRowsRead => Interlocked.Read(ref _partitionRowsRead);

    public async Task<IReadOnlyList<JournalEvent>> ReadPartitionAsync(int partition, JournalPosition after, int maxCount, CancellationToken ct = default)
    {
        var events = await _inner.ReadPartitionAsync(partition, after, maxCount, ct);
        Interlocked.Add(ref _partitionRowsRead, events.Count);
        return events;
    }

    public IDisposable OnPartitionsAppended(Action<int> appended) => _inner.OnPartitionsAppended(appended);

    public async Task<bool> AdvanceCheckpointAsync(SubscriptionCheckpoint checkpoint, CancellationToken ct = default)
    {
        var moved = await _inner.AdvanceCheckpointAsync(checkpoint, ct);
        _moves.Enqueue((checkpoint.Queue, checkpoint.Position, checkpoint.Owner, moved));
        return moved;
    }

    public string Description => _inner.Description;
    public Task<AppendResult> AppendAsync(string streamId, long expectedVersion, IReadOnlyList<NewEvent> events, CancellationToken ct = default) => _inner.AppendAsync(streamId, expectedVersion, events, ct);
    public Task<IReadOnlyList<JournalEvent>> ReadStreamAsync(string streamId, long afterVersion, int maxCount, CancellationToken ct = default) => _inner.ReadStreamAsync(streamId, afterVersion, maxCount, ct);
    public Task<IReadOnlyList<JournalEvent>> ReadLogAsync(JournalPosition after, int maxCount, CancellationToken ct = default) => _inner.ReadLogAsync(after, maxCount, ct);
    public Task<JournalPosition> ReadHeadAsync(CancellationToken ct = default) => _inner.ReadHeadAsync(ct);
    public IDisposable OnAppended(Action appended) => _inner.OnAppended(appended);
    public Task ParkAsync(DeadLetter deadLetter, CancellationToken ct = default) => _inner.ParkAsync(deadLetter, ct);
    public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(CancellationToken ct = default) => _inner.ListDeadLettersAsync(ct);
    public Task<bool> RemoveDeadLetterAsync(Guid id, CancellationToken ct = default) => _inner.RemoveDeadLetterAsync(id, ct);
    public Task StoreKeyAsync(string name, string value, CancellationToken ct = default) => _inner.StoreKeyAsync(name, value, ct);
    public Task<IReadOnlyList<(string Name, string Value)>> ReadKeysAsync(CancellationToken ct = default) => _inner.ReadKeysAsync(ct);
    public Task<long> ReadEpochAsync(string subscription, CancellationToken ct = default) => _inner.ReadEpochAsync(subscription, ct);
    public Task<SubscriptionCheckpoint> ReadCheckpointAsync(string subscription, int queue, CancellationToken ct = default) => _inner.ReadCheckpointAsync(subscription, queue, ct);
    public Task<IReadOnlyList<SubscriptionCheckpoint>> ReadCheckpointsAsync(string subscription, CancellationToken ct = default) => _inner.ReadCheckpointsAsync(subscription, ct);
    public Task<long> RestartSubscriptionAsync(string subscription, CancellationToken ct = default) => _inner.RestartSubscriptionAsync(subscription, ct);
    public Task ApplyAsync(string model, int partition, IReadOnlyList<ReadRow> rows, JournalPosition through, CancellationToken ct = default) => _inner.ApplyAsync(model, partition, rows, through, ct);
    public Task<IReadOnlyList<JournalPosition>> AppliedThroughAsync(string model, CancellationToken ct = default) => _inner.AppliedThroughAsync(model, ct);
    public Task<IReadOnlyList<ReadRow>> GetAsync(string model, IReadOnlyCollection<string> keys, CancellationToken ct = default) => _inner.GetAsync(model, keys, ct);
    public Task<IReadOnlyList<ReadRow>> QueryAsync(ReadQuery query, CancellationToken ct = default) => _inner.QueryAsync(query, ct);

    public Task<long> CountAsync(ReadQuery query, CancellationToken ct = default) => _inner.CountAsync(query, ct);
    public Task<IReadOnlyList<string>> KeysAsync(string model, string state, CancellationToken ct = default) => _inner.KeysAsync(model, state, ct);
    public ValueTask DisposeAsync() => _inner.DisposeAsync();
}
