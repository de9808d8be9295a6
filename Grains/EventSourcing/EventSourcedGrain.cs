using Ates.Grains.Interfaces;
using System.Diagnostics;
using Ates.Journal;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventSourcing;
using Orleans.Providers;

namespace Ates.Grains.EventSourcing;

/// <summary>
/// A <see cref="JournaledGrain{TState,TEvent}"/> whose events live in the journal (the journal's log-consistency provider).
/// Commands go through <see cref="Decide{T}"/>: the command looks at <c>State</c> and raises its events with
/// <see cref="Raise"/>; they are raised conditionally, so if another activation wrote the stream first nothing of the
/// decision is kept, the state is read again and the command decided again on it (once by default) — an event is never
/// re-applied blindly. A command that throws after raising keeps nothing of what it raised.
/// </summary>
[LogConsistencyProvider(ProviderName = JournalNames.LogConsistency)]
public abstract class EventSourcedGrain<TState, TEvent> : JournaledGrain<TState, TEvent>, IJournaledGrainHost
    where TState : class, new()
    where TEvent : class
{
    private readonly List<Task<bool>> _raised = [];
    private IJournalLog? _log;
    private BusinessCalendar? _calendar;

    /// <summary>The metadata of the event being folded (valid inside <c>TransitionState</c>): when it occurred, its correlation.</summary>
    protected EventMetadata Applying { get; private set; } = new(DateTimeOffset.MinValue, null, null, null, null);

    /// <summary>Events between snapshots; grains with growing state return more, so a snapshot costs O(1) per event.</summary>
    protected virtual int SnapshotEvery => 100;

    /// <summary>
    /// Whether the grain reads its stream when it activates (Orleans' JournaledGrain does). A grain that is mostly
    /// activated to be created reads it when it first needs its state instead (<c>IJournalLog.EnsureLoadedAsync</c>):
    /// its creation appends at version 0, which the journal refuses if the stream exists after all.
    /// </summary>
    protected virtual bool ReadsStreamOnActivation => true;

    public override Task OnActivateAsync(CancellationToken cancellationToken) =>
        ReadsStreamOnActivation ? base.OnActivateAsync(cancellationToken) : Task.CompletedTask;

    protected BusinessCalendar Calendar => _calendar ??= ServiceProvider.GetRequiredService<BusinessCalendar>();

    /// <summary>The grain's log: its stream id, its confirmed events.</summary>
    protected IJournalLog JournalLog => _log ?? throw new InvalidOperationException("The journal's log-consistency provider has not attached this grain.");

    int IJournaledGrainHost.SnapshotEvery => SnapshotEvery;

    EventMetadata IJournaledGrainHost.StampRaisedEvent() => EventStamp.Now(Calendar);

    void IJournaledGrainHost.BeforeFold(EventMetadata metadata) => Applying = metadata;

    void IJournaledGrainHost.Attach(IJournalLog log) => _log = log;

    /// <summary>Raises an event of the command that <see cref="Decide{T}"/> runs; it is folded into <c>State</c> at once.</summary>
    protected void Raise(TEvent e) => _raised.Add(RaiseConditionalEvent(e));

    /// <summary>
    /// Runs a command on the current state and confirms what it raised with one append. On a version conflict the
    /// state is the journal's again and the command is decided again, up to <paramref name="attempts"/> times in all;
    /// the last conflict surfaces as <see cref="JournalConflictException"/>.
    /// </summary>
    protected async Task<T> Decide<T>(Func<T> command, int attempts = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempts, 1);
        for (var attempt = 1; ; attempt++)
        {
            _raised.Clear();
            T result;
            try
            {
                result = command();
            }
            catch
            {
                await DiscardRaisedAsync();
                throw;
            }
            if (await ConfirmRaisedAsync()) return result;
            if (attempt >= attempts) throw new JournalConflictException(JournalLog.StreamId, Version, Version);
        }
    }

    protected Task Decide(Action command, int attempts = 2) => Decide(() =>
    {
        command();
        return true;
    }, attempts);

    /// <summary>
    /// Like <see cref="Decide{T}"/>, for a command that may refuse on what this activation holds: a refusal is checked
    /// once more against the journal, which another writer (a shuffle appends to task streams directly) may have moved
    /// past this activation's state.
    /// </summary>
    protected async Task<T> DecideOnLatest<T>(Func<T> command)
    {
        try
        {
            return await Decide(command);
        }
        catch (DomainException)
        {
            if (!await CaughtUpAsync()) throw;
        }
        return await Decide(command);
    }

    /// <summary>Applies what the journal holds beyond this activation's state; true when there was something.</summary>
    protected async Task<bool> CaughtUpAsync()
    {
        var before = Version;
        await RefreshNow();
        return Version > before;
    }

    /// <summary>True when every event raised since the last call is in the journal; false when a conflict dropped them.</summary>
    private protected async Task<bool> ConfirmRaisedAsync()
    {
        if (_raised.Count == 0) return true;
        var outcomes = await Task.WhenAll(_raised);
        _raised.Clear();
        return outcomes.All(confirmed => confirmed);
    }

    private protected async Task DiscardRaisedAsync()
    {
        if (_raised.Count == 0) return;
        _raised.Clear();
        await JournalLog.DiscardUnconfirmedAsync();
    }
}
