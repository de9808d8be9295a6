using System.Globalization;
using Ates.Grains.EventSourcing;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Journal;
using Microsoft.Extensions.Logging;

namespace Ates.Grains;

public sealed class InboxState
{
    /// <summary>The newest notifications, oldest first (at most <see cref="InboxGrain.Kept"/>; all of them are in the inbox's journal stream).</summary>
    public List<NotificationDto> Notifications { get; set; } = [];
    public HashSet<Guid> Sources { get; set; } = [];
}

/// <summary>Rule 11: a user's notifications. A payout notification is the "email" of rule 6, logged as sent once it is recorded.</summary>
[GrainType("inbox")]
[ImplicitStreamSubscription(DomainSubscriptions.NotificationInboxes, JournalPartitions.TargetMapper)]
public sealed class InboxGrain(ILogger<InboxGrain> logger) : SubscriberGrain<InboxState, InboxNotified>, IInboxGrain
{
    private readonly List<string> _emails = [];

    /// <summary>Notifications an inbox shows: the newest ones. A worker given tasks all day would otherwise keep thousands in memory.</summary>
    public const int Kept = 500;

    protected override int SnapshotEvery => Math.Max(100, State.Sources.Count);

    protected override void TransitionState(InboxState state, InboxNotified e)
    {
        state.Sources.Add(e.SourceEventId);
        state.Notifications.Add(new NotificationDto(e.NotificationId, Applying.OccurredAt, e.Kind, e.Text));
        if (state.Notifications.Count > Kept) state.Notifications.RemoveRange(0, state.Notifications.Count - Kept);
    }

    protected override void Handle(JournalEvent journalEvent, object decoded)
    {
        if (State.Sources.Contains(journalEvent.EventId)) return;
        var me = this.GetPrimaryKey();
        (string Kind, string Text)? notification = decoded switch
        {
            TaskAssigned a when a.AssigneeId == me =>
                (NotificationKinds.TaskAssigned, $"Task \"{(a.JiraId is null ? a.Title : $"[{a.JiraId}] {a.Title}")}\" is assigned to you (assign fee ${a.AssignFee.ToString(CultureInfo.InvariantCulture)})."),
            LedgerEntryRecorded { Kind: EntryKinds.Payout } p when p.AccountId == me =>
                (NotificationKinds.Payout, $"You were paid ${(-p.Amount).ToString(CultureInfo.InvariantCulture)} for {BusinessCalendar.Key(p.PayoutDate!.Value)}."),
            _ => null,
        };
        if (notification is null) return;
        Raise(new InboxNotified(Guid.CreateVersion7(), journalEvent.EventId, notification.Value.Kind, notification.Value.Text));
        if (notification.Value.Kind == NotificationKinds.Payout) _emails.Add(notification.Value.Text);
    }

    protected override void BeforeDecide() => _emails.Clear();

    protected override Task AfterConfirmedAsync()
    {
        foreach (var text in _emails) logger.LogInformation("Payout email to user {User}: {Text}", this.GetPrimaryKey(), text);
        _emails.Clear();
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<NotificationDto>> List() => Task.FromResult<IReadOnlyList<NotificationDto>>(State.Notifications.AsEnumerable().Reverse().ToList());
}
