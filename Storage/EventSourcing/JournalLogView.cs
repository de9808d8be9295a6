using Ates.Grains.Interfaces;
using System.Text.Json;
using Ates.Journal;
using Microsoft.Extensions.Logging;
using Orleans.EventSourcing;
using Orleans.Runtime;
using Orleans.Storage;

namespace Ates.Storage.EventSourcing;

/// <summary>
/// The log view of one <c>JournaledGrain</c> whose events live in the journal, under the stream "type/key" of the grain.
/// <para>
/// One copy of the state: a raised event is folded into it at once (it is Orleans' tentative view and the confirmed view
/// alike) and everything raised is confirmed by one append at the expected version. That spares a deep copy of large
/// states (a ledger) on every command. The price is paid only when an append does not land: on a version conflict the
/// state is rebuilt from the journal and every raised event is dropped — conditional raises report false, so the grain
/// decides again on the fresh state; an unconditional one fails <c>ConfirmEvents</c> — an event is never re-applied
/// blindly. When the journal is unavailable and an append's outcome is unknown, the activation deactivates, so the
/// next call reads the truth.
/// </para>
/// <para>Snapshots go to Orleans grain storage every <see cref="IJournaledGrainHost.SnapshotEvery"/> events; they are only
/// a cache (a snapshot that no longer deserializes is ignored and the stream replayed).</para>
/// </summary>
internal sealed class JournalLogView<TView, TEntry> : ILogViewAdaptor<TView, TEntry>, IJournalLog
    where TView : class, new()
    where TEntry : class
{
    private const int ReadPage = 1024;
    private static readonly JsonSerializerOptions SnapshotJson = new(JsonSerializerDefaults.General) { IncludeFields = true };

    private readonly ILogViewAdaptorHost<TView, TEntry> _host;
    private readonly IJournaledGrainHost _journaled;
    private readonly IEventJournal _journal;
    private readonly IEventSerializer _serializer;
    private readonly IGrainStorage? _snapshots;
    private readonly GrainId _grainId;
    private readonly ILogger _logger;
    private readonly List<Pending> _pending = [];
    private TView _view = new();
    private int _version;
    private int _snapshotVersion;
    private string? _snapshotETag;
    private bool _loaded;
    private Task _writing = Task.CompletedTask;
    private bool _writeScheduled;
    private Exception? _unconfirmed;
    private Exception? _broken;

    public JournalLogView(ILogViewAdaptorHost<TView, TEntry> host, GrainId grainId, IEventJournal journal, IEventSerializer serializer,
        IGrainStorage? snapshots, ILogger logger)
    {
        _host = host;
        _journaled = host as IJournaledGrainHost
            ?? throw new InvalidOperationException($"{host.GetType().Name} uses the journal's log-consistency provider, so it must implement {nameof(IJournaledGrainHost)}.");
        _grainId = grainId;
        _journal = journal;
        _serializer = serializer;
        _snapshots = snapshots;
        _logger = logger;
        StreamId = StreamIds.For(grainId.Type.ToString()!, grainId.Key.ToString()!);
        _journaled.Attach(this);
    }

    public string StreamId { get; }

    // ---- reading ----

    public TView TentativeView => _view;

    public TView ConfirmedView => _view;

    public int ConfirmedVersion => _version;

    public IEnumerable<TEntry> UnconfirmedSuffix => _pending.Select(p => p.Entry);

    public Task PreOnActivate() => Task.CompletedTask;

    public Task PostOnActivate() => Task.CompletedTask;

    public Task PostOnDeactivate() => _writing;

    /// <summary>Confirms what is pending, then applies what the journal holds beyond the view (the first call loads it).</summary>
    public async Task Synchronize()
    {
        await ConfirmSubmittedEntries().ConfigureAwait(true);
        if (!_loaded)
        {
            await LoadAsync().ConfigureAwait(true);
            return;
        }
        await CatchUpAsync().ConfigureAwait(true);
    }

    public async Task<IReadOnlyList<TEntry>> RetrieveLogSegment(int fromVersion, int toVersion)
    {
        var events = await ReadConfirmedAsync(fromVersion, toVersion - fromVersion).ConfigureAwait(true);
        return events.Select(e => (TEntry)_serializer.Deserialize(e)).ToList();
    }

    public async Task EnsureLoadedAsync()
    {
        if (!_loaded) await Synchronize().ConfigureAwait(true);
    }

    public Task<IReadOnlyList<JournalEvent>> ReadConfirmedAsync(long afterVersion, int maxCount) =>
        _journal.ReadStreamAsync(StreamId, afterVersion, (int)Math.Max(0, Math.Min(maxCount, _version - afterVersion)));

    // ---- raising ----

    public void Submit(TEntry entry) => Raise([entry], conditional: false);

    public void SubmitRange(IEnumerable<TEntry> entries) => Raise(entries.ToList(), conditional: false);

    public Task<bool> TryAppend(TEntry entry) => Raise([entry], conditional: true)!;

    public Task<bool> TryAppendRange(IEnumerable<TEntry> entries) => Raise(entries.ToList(), conditional: true)!;

    private Task<bool>? Raise(IReadOnlyList<TEntry> entries, bool conditional)
    {
        if (_broken is { } broken) throw Unavailable(broken);
        if (entries.Count == 0) return conditional ? Task.FromResult(true) : null;
        var promise = conditional ? new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        foreach (var entry in entries)
        {
            // Stamped and encoded as it is raised: a raise that cannot be stored fails here, before it touches the state.
            var metadata = _journaled.StampRaisedEvent();
            var (type, version, data) = _serializer.Serialize(entry);
            var stored = new NewEvent(Guid.CreateVersion7(metadata.OccurredAt), type, version, data, metadata);
            Fold(entry, metadata);
            _pending.Add(new Pending(entry, stored, conditional, ReferenceEquals(entry, entries[^1]) ? promise : null));
        }
        ScheduleWrite();
        return promise?.Task;
    }

    public async Task ConfirmSubmittedEntries()
    {
        while (_writeScheduled || _pending.Count > 0)
        {
            ScheduleWrite();
            await _writing.ConfigureAwait(true);
        }
        if (_unconfirmed is { } dropped)
        {
            _unconfirmed = null;
            throw dropped;
        }
    }

    public async Task DiscardUnconfirmedAsync()
    {
        await _writing.ConfigureAwait(true);
        if (_pending.Count == 0) return;
        var dropped = Take();
        await ReloadAsync().ConfigureAwait(true);
        Drop(dropped, new JournalConflictException(StreamId, _version, _version), conditionalOutcome: false);
    }

    private void ScheduleWrite()
    {
        if (_writeScheduled || _pending.Count == 0) return;
        _writeScheduled = true;
        _writing = WriteAsync();
    }

    private async Task WriteAsync()
    {
        // Let the rest of the current turn raise its events too: one decision, one append.
        await Task.Yield();
        try
        {
            while (_pending.Count > 0) await WriteOnceAsync().ConfigureAwait(true);
        }
        finally
        {
            _writeScheduled = false;
        }
    }

    private async Task WriteOnceAsync()
    {
        var batch = _pending.ToList();
        var expected = _version;
        try
        {
            AppendResult result;
            using (var span = AtesTelemetry.Source.StartActivity("journal append", System.Diagnostics.ActivityKind.Internal))
            {
                span?.SetTag("ates.stream", StreamId);
                span?.SetTag("ates.events", batch.Count);
                result = await _journal.AppendAsync(StreamId, expected, batch.Select(p => p.Stored).ToList()).ConfigureAwait(true);
            }
            AtesTelemetry.JournalAppends.Add(1);
            AtesTelemetry.JournalEvents.Add(batch.Count);
            _version = checked((int)result.NextExpectedVersion);
            _pending.RemoveRange(0, batch.Count);
            // An append at version 0 found the stream empty: the state is the journal's, as a read would have found it.
            if (expected == 0) _loaded = true;
            // A snapshot only of confirmed state: not while later raises are folded in and still pending.
            if (_pending.Count == 0 && _version - _snapshotVersion >= Math.Max(1, _journaled.SnapshotEvery)) await WriteSnapshotAsync().ConfigureAwait(true);
            foreach (var p in batch) p.Promise?.TrySetResult(true);
            _host.OnViewChanged(false, true);
        }
        catch (JournalConflictException conflict)
        {
            // Another activation wrote first (a duplicate during a membership change): what was decided here is void.
            // The state is rebuilt before anyone hears of the conflict, so the decision is taken again on the journal's state.
            _logger.LogInformation("{Stream}: {Conflict}; the state is read again and the command decided again", StreamId, conflict.Message);
            var dropped = Take();
            try
            {
                await ReloadAsync().ConfigureAwait(true);
            }
            catch (Exception reload)
            {
                Break(reload);
                Drop(dropped, Unavailable(reload), conditionalOutcome: null);
                return;
            }
            Drop(dropped, conflict, conditionalOutcome: false);
        }
        catch (Exception ex)
        {
            Break(ex);
            Drop(Take(), Unavailable(ex), conditionalOutcome: null);
        }
    }

    private List<Pending> Take()
    {
        var taken = _pending.ToList();
        _pending.Clear();
        return taken;
    }

    /// <summary>Drops pending events: conditional raises get the outcome (or the error), unconditional ones fail ConfirmEvents.</summary>
    private void Drop(List<Pending> dropped, Exception error, bool? conditionalOutcome)
    {
        foreach (var p in dropped)
        {
            if (p.Promise is null) continue;
            if (conditionalOutcome is { } outcome) p.Promise.TrySetResult(outcome);
            else p.Promise.TrySetException(error);
        }
        if (dropped.Any(p => !p.Conditional) || conditionalOutcome is null) _unconfirmed = error;
    }

    /// <summary>The state in memory may hold events that never landed: nothing more is raised here, and the activation goes.</summary>
    private void Break(Exception error)
    {
        _broken = error;
        _logger.LogWarning(error, "{Stream}: an append's outcome is unknown; the activation is deactivated so the next call reads the journal", StreamId);
        if (_host is Grain grain) grain.GrainContext.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, "The journal did not confirm an append."));
    }

    private JournalUnavailableException Unavailable(Exception error) =>
        error as JournalUnavailableException ?? new JournalUnavailableException($"The journal did not confirm an append to {StreamId}: {error.Message}", error);

    // ---- loading ----

    /// <summary>
    /// Most streams are short (a task, a day's analytics, a new account): read the first events, and ask grain storage
    /// for a snapshot only when there are more than a snapshot's worth — a new grain then costs one read, not two.
    /// </summary>
    private async Task LoadAsync()
    {
        _view = new TView();
        _version = _snapshotVersion = 0;
        _loaded = true;
        var page = Math.Max(1, _journaled.SnapshotEvery);
        var first = await _journal.ReadStreamAsync(StreamId, 0, page).ConfigureAwait(true);
        if (first.Count == page && _snapshots is not null && await ReadSnapshotAsync() is { } snapshot)
        {
            _view = snapshot.View;
            _version = _snapshotVersion = snapshot.Version;
        }
        else
        {
            Apply(first);
            if (first.Count < page) return;
        }
        await CatchUpAsync().ConfigureAwait(true);
    }

    private async Task<(TView View, int Version)?> ReadSnapshotAsync()
    {
        var state = new GrainState<JournalSnapshot>();
        await _snapshots!.ReadStateAsync(JournalNames.Snapshots, _grainId, state).ConfigureAwait(true);
        _snapshotETag = state.ETag;
        if (!state.RecordExists || state.State is not { } snapshot || snapshot.StreamId != StreamId) return null;
        try
        {
            return (JsonSerializer.Deserialize<TView>(snapshot.State, SnapshotJson) ?? new TView(), snapshot.Version);
        }
        catch (JsonException ex)
        {
            // An older shape of the state: a snapshot is only a cache, so the stream is replayed from its start.
            _logger.LogInformation("{Stream}: snapshot ignored ({Error}); replaying the stream", StreamId, ex.Message);
            return null;
        }
    }

    private async Task ReloadAsync()
    {
        _loaded = false;
        await LoadAsync().ConfigureAwait(true);
        _host.OnViewChanged(true, true);
    }

    private async Task CatchUpAsync()
    {
        while (true)
        {
            var events = await _journal.ReadStreamAsync(StreamId, _version, ReadPage).ConfigureAwait(true);
            Apply(events);
            if (events.Count < ReadPage) return;
        }
    }

    private void Apply(IReadOnlyList<JournalEvent> events)
    {
        foreach (var e in events)
        {
            if (e.StreamVersion <= _version) continue; // folded already (two catch-ups that read the same events)
            Fold((TEntry)_serializer.Deserialize(e), e.Metadata);
            _version = checked((int)e.StreamVersion);
        }
        if (events.Count > 0) _host.OnViewChanged(false, true);
    }

    private void Fold(TEntry entry, EventMetadata metadata)
    {
        _journaled.BeforeFold(metadata);
        _host.UpdateView(_view, entry);
    }

    private async Task WriteSnapshotAsync()
    {
        if (_snapshots is null) return;
        var snapshot = new JournalSnapshot(StreamId, _version, JsonSerializer.SerializeToUtf8Bytes(_view, SnapshotJson));
        _snapshotVersion = _version;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var state = new GrainState<JournalSnapshot>(snapshot) { ETag = _snapshotETag, RecordExists = _snapshotETag is not null };
                await _snapshots.WriteStateAsync(JournalNames.Snapshots, _grainId, state).ConfigureAwait(true);
                _snapshotETag = state.ETag;
                return;
            }
            catch (InconsistentStateException) when (attempt == 1)
            {
                // This activation never read the snapshot (its stream looked short) or another wrote one: take its ETag.
                var current = new GrainState<JournalSnapshot>();
                await _snapshots.ReadStateAsync(JournalNames.Snapshots, _grainId, current).ConfigureAwait(true);
                _snapshotETag = current.ETag;
            }
            catch (Exception ex)
            {
                // A snapshot is an optimisation; the events are durable already.
                _snapshotETag = null;
                _logger.LogWarning(ex, "{Stream}: snapshot at version {Version} not written", StreamId, _version);
                return;
            }
        }
    }

    // ---- diagnostics (not collected) ----

    public void EnableStatsCollection()
    {
    }

    public void DisableStatsCollection()
    {
    }

    public LogConsistencyStatistics GetStats() => new() { EventCounters = [], StabilizationLatenciesInMsecs = [] };

    private sealed record Pending(TEntry Entry, NewEvent Stored, bool Conditional, TaskCompletionSource<bool>? Promise);
}

/// <summary>What a journaled grain's snapshot holds: the state as JSON at a stream version.</summary>
[GenerateSerializer, Immutable, Alias("ates.journal.snapshot")]
public sealed record JournalSnapshot([property: Id(0)] string StreamId, [property: Id(1)] int Version, [property: Id(2)] byte[] State);
