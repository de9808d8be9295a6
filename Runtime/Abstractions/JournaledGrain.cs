using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Ates.Runtime;

/// <summary>
/// An event-sourced grain: its state is the fold of its own events (<see cref="Apply"/>), loaded from the latest
/// snapshot plus the events after it. <see cref="RaiseEvent"/> applies tentatively; <see cref="ConfirmEvents"/>
/// appends with the expected version. On a conflict the state is reloaded from the store and the caller sees
/// <see cref="VersionConflictException"/>; <see cref="RunCommand{TResult}"/> re-decides once on the fresh state.
/// </summary>
public abstract class JournaledGrain<TState, TEvent> : Grain
    where TState : class, new()
    where TEvent : class
{
    private readonly List<(TEvent Event, EventMetadata Metadata)> _uncommitted = [];
    private TState _state = new();
    private long _version;
    private long _snapshotVersion;
    private long _lastReadStartedAt;
    private readonly Lock _waves = new();
    private List<Action<Exception?>>? _nextWave;
    private bool _waveRunning;

    /// <summary>Confirmed state with any raised-but-unconfirmed events applied.</summary>
    protected TState State => _state;

    /// <summary>Number of confirmed events in this grain's stream.</summary>
    protected long Version => _version;

    protected virtual string StreamId => StreamIds.For(GrainId.Type, GrainId.Key);

    /// <summary>Decides the log partition of this grain's events, and so their relative order for subscribers.</summary>
    protected virtual string PartitionKey => StreamId;

    protected virtual int SnapshotEvery => Runtime.Options.SnapshotEvery;

    /// <summary>
    /// True: the activation reads nothing; the stream is read when a command or a refresh first needs it. For grains
    /// whose every method refreshes or runs a command (none answers from <see cref="State"/> as it stands) and whose
    /// first call usually creates the stream: a creating command run without a refresh appends at version 0, and if
    /// the stream exists after all that append conflicts, the state is read and the command decided again.
    /// </summary>
    protected virtual bool ReadStateOnFirstUse => false;

    /// <summary>The fold: returns the state after the event (may mutate and return the same instance).</summary>
    protected virtual TState Apply(TState state, TEvent @event) =>
        throw new InvalidOperationException($"{GetType().Name} must override one of the Apply methods.");

    /// <summary>The fold, for grains that need the event's time or correlation; by default ignores the metadata.</summary>
    protected virtual TState Apply(TState state, TEvent @event, EventMetadata metadata) => Apply(state, @event);

    /// <summary>Applies the event now (tentatively) and queues it for <see cref="ConfirmEvents"/>; its metadata is fixed here.</summary>
    protected void RaiseEvent(TEvent @event)
    {
        var metadata = new EventMetadata(Runtime.Time.GetUtcNow(), RequestContext.CorrelationId, RequestContext.CausationId, Activity.Current?.Id, RequestContext.ActorUserId);
        _state = Apply(_state, @event, metadata);
        _uncommitted.Add((@event, metadata));
    }

    /// <summary>Applies events another activation (on another silo) appended since this one last read its stream.</summary>
    protected async Task RefreshAsync()
    {
        if (_uncommitted.Count > 0) throw new InvalidOperationException("Refresh before raising events, not after.");
        await CatchUpAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// For [ReadOnly] methods that many callers hit at once (a registry every request consults): answers from state
    /// that includes every write acknowledged before the call, across silos, with one store read shared by all the
    /// callers waiting together. Callers that arrive while a read runs join the next one, so each one's read started
    /// after it asked. Answers are computed one after another inside the wave, never beside a store read.
    /// </summary>
    protected Task<T> ReadFreshAsync<T>(Func<T> answer)
    {
        lock (_waves)
        {
            if (_waveRunning)
            {
                var joined = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
                (_nextWave ??= []).Add(failure =>
                {
                    if (failure is not null)
                    {
                        joined.TrySetException(failure);
                        return;
                    }
                    try
                    {
                        joined.TrySetResult(answer());
                    }
                    catch (Exception ex)
                    {
                        joined.TrySetException(ex);
                    }
                });
                return joined.Task;
            }
            _waveRunning = true;
        }

        // Nobody is reading: this caller leads, inline while the store answers at once (in memory).
        Task catchUp;
        try
        {
            catchUp = CatchUpAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            EndWave();
            return Task.FromException<T>(ex);
        }
        if (!catchUp.IsCompletedSuccessfully) return LeadAsync(catchUp, answer);
        try
        {
            return Task.FromResult(answer());
        }
        catch (Exception ex)
        {
            return Task.FromException<T>(ex);
        }
        finally
        {
            EndWave();
        }
    }

    private async Task<T> LeadAsync<T>(Task catchUp, Func<T> answer)
    {
        try
        {
            await catchUp.ConfigureAwait(false);
            return answer();
        }
        finally
        {
            EndWave();
        }
    }

    /// <summary>Hands over to the callers that arrived during the read just done, if any.</summary>
    private void EndWave()
    {
        lock (_waves)
        {
            if (_nextWave is null)
            {
                _waveRunning = false;
                return;
            }
        }
        _ = RunWavesAsync();
    }

    private async Task RunWavesAsync()
    {
        while (true)
        {
            List<Action<Exception?>> wave;
            lock (_waves)
            {
                if (_nextWave is null)
                {
                    _waveRunning = false;
                    return;
                }
                (wave, _nextWave) = (_nextWave, null);
            }
            Exception? failure = null;
            try
            {
                await CatchUpAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                failure = ex;
            }
            foreach (var answer in wave) answer(failure);
        }
    }

    /// <summary>Appends the raised events; returns once they are durable.</summary>
    protected async Task ConfirmEvents()
    {
        if (_uncommitted.Count == 0) return;
        var events = new List<EventData>(_uncommitted.Count);
        foreach (var (raised, metadata) in _uncommitted)
        {
            var (type, version, data) = Runtime.Serializer.Serialize(raised);
            events.Add(new EventData(Guid.CreateVersion7(metadata.OccurredAt), type, version, data, metadata));
        }
        _uncommitted.Clear();

        try
        {
            var result = await Runtime.Store.AppendAsync(StreamId, _version, PartitionKey, events).ConfigureAwait(false);
            _version = result.NextExpectedVersion;
        }
        catch
        {
            // The tentative state is wrong now (a conflict) or unknown (a failed write): rebuild it from the store.
            await ReloadAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        if (_version - _snapshotVersion >= SnapshotEvery) await WriteSnapshotAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Runs a command (which raises events and returns a result) and confirms it. If another activation wrote the
    /// stream first, the state is reloaded and the command decided again on it, up to <paramref name="attempts"/>
    /// times in all (default 2: one retry); the last conflict surfaces. Consumers whose decision is idempotent by
    /// source event id may allow more attempts: each one decides on fresh state, so a retry can never apply twice.
    /// </summary>
    /// <param name="refreshFirst">
    /// Read the stream before deciding (the default). A consumer that only ever skips an event its state already
    /// records may pass false: state only grows, so a stale activation can never skip wrongly, and whatever it appends
    /// is checked by the expected version. That saves a store round trip per delivered event.
    /// </param>
    protected async Task<TResult> RunCommand<TResult>(Func<TResult> command, int attempts = 2, bool refreshFirst = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        // Decide on fresh state: a command that refuses or changes nothing appends nothing, so no version check
        // would ever tell a stale activation (another silo wrote since) that it decided on old facts.
        // A read that started after this call arrived (typically the activation's load, for the call that caused it) is
        // fresh enough already.
        if (refreshFirst && _uncommitted.Count == 0 && _lastReadStartedAt <= WriteTurnArrivedAt) await CatchUpAsync(CancellationToken.None).ConfigureAwait(false);
        for (var attempt = 1; ; attempt++)
        {
            TResult result;
            try
            {
                result = command();
            }
            catch
            {
                if (_uncommitted.Count > 0) await ReloadAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            try
            {
                await ConfirmEvents().ConfigureAwait(false);
                return result;
            }
            catch (VersionConflictException) when (attempt < attempts)
            {
                // State was reloaded by ConfirmEvents; decide again.
            }
        }
    }

    protected Task RunCommand(Action command, int attempts = 2, bool refreshFirst = true) => RunCommand(() =>
    {
        command();
        return true;
    }, attempts, refreshFirst);

    /// <summary>
    /// Consumes events as one command: each is decided in log order on the state its predecessors left, whatever it
    /// raises carries its own correlation (and the event as causation), and all of it is confirmed with one append.
    /// </summary>
    protected Task ConsumeAsync(IReadOnlyList<RecordedEvent> events, Action<RecordedEvent> decide, int attempts = 2, bool refreshFirst = true) =>
        RunCommand(() =>
        {
            foreach (var e in events)
            {
                using var context = RequestContext.Begin(e.Metadata.CorrelationId, e.EventId.ToString(), e.Metadata.ActorUserId);
                decide(e);
            }
        }, attempts, refreshFirst);

    /// <summary>Reads this grain's confirmed events (for audit views), oldest first.</summary>
    protected async Task<IReadOnlyList<(RecordedEvent Recorded, TEvent Event)>> ReadEventsAsync(long afterVersion, int maxCount)
    {
        var recorded = await Runtime.Store.ReadStreamAsync(StreamId, afterVersion, maxCount).ConfigureAwait(false);
        return recorded.Select(r => (r, (TEvent)Runtime.Serializer.Deserialize(r))).ToList();
    }

    internal override Task LoadStateAsync(CancellationToken cancellationToken) => ReadStateOnFirstUse ? Task.CompletedTask : ReloadAsync(cancellationToken);

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        _uncommitted.Clear();
        _state = new TState();
        _version = 0;
        _snapshotVersion = 0;

        var started = Stopwatch.GetTimestamp();
        var (snapshot, events) = await Runtime.Store.ReadSnapshotAndStreamAsync(StreamId, CatchUpPage, cancellationToken).ConfigureAwait(false);
        var snapshotUsable = true;
        if (snapshot is not null)
        {
            try
            {
                _state = JsonSerializer.Deserialize<TState>(snapshot.State, SnapshotJson) ?? new TState();
                _version = _snapshotVersion = snapshot.Version;
            }
            catch (JsonException)
            {
                // A snapshot of an older state shape is only a cache: replay from the first event instead.
                _state = new TState();
                snapshotUsable = false;
            }
        }

        if (snapshotUsable)
        {
            ApplyRecorded(events);
            if (events.Count < CatchUpPage)
            {
                _lastReadStartedAt = started;
                return;
            }
        }
        await CatchUpAsync(cancellationToken).ConfigureAwait(false);
    }

    private const int CatchUpPage = 1024;

    private void ApplyRecorded(IReadOnlyList<RecordedEvent> events)
    {
        foreach (var recorded in events)
        {
            _state = Apply(_state, (TEvent)Runtime.Serializer.Deserialize(recorded), recorded.Metadata);
            _version = recorded.StreamVersion;
        }
    }

    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var events = await Runtime.Store.ReadStreamAsync(StreamId, _version, CatchUpPage, cancellationToken).ConfigureAwait(false);
            ApplyRecorded(events);
            if (events.Count < CatchUpPage) break;
        }
        _lastReadStartedAt = started;
    }

    private async Task WriteSnapshotAsync()
    {
        try
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(_state, SnapshotJson);
            await Runtime.Store.WriteSnapshotAsync(new StreamSnapshot(StreamId, _version, bytes)).ConfigureAwait(false);
            _snapshotVersion = _version;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A snapshot is an optimisation; the events are already durable.
            Runtime.Logger.LogWarning(ex, "Snapshot of {Stream} at version {Version} failed", StreamId, _version);
        }
    }

    private static readonly JsonSerializerOptions SnapshotJson = new(JsonSerializerDefaults.General) { IncludeFields = true };
}
