using System.Globalization;
using Ates.Grains.Interfaces;
using Ates.Grains.Interfaces.Events;
using Ates.Runtime;
using Microsoft.Extensions.Logging;

namespace Ates.Grains;

public sealed class InboxState
{
    public List<NotificationDto> Notifications { get; set; } = [];
    public HashSet<Guid> Sources { get; set; } = [];
}

/// <summary>Rule 11: a user's notifications. A payout notification is the "email" of rule 6, logged as sent.</summary>
[GrainType("inbox")]
public sealed class InboxGrain(IEventSerializer serializer, ILogger<InboxGrain> logger) : JournaledGrain<InboxState, InboxNotified>, IInboxGrain
{
    protected override int SnapshotEvery => Math.Max(100, State.Notifications.Count);

    protected override InboxState Apply(InboxState state, InboxNotified e, EventMetadata metadata)
    {
        state.Sources.Add(e.SourceEventId);
        state.Notifications.Add(new NotificationDto(e.NotificationId, metadata.OccurredAt, e.Kind, e.Text));
        return state;
    }

    public async Task OnEventAsync(RecordedEvent recordedEvent)
    {
        var me = this.GetPrimaryKey();
        (string Kind, string Text)? notification = serializer.Deserialize(recordedEvent) switch
        {
            TaskAssigned a when a.AssigneeId == me =>
                (NotificationKinds.TaskAssigned, $"Task \"{(a.JiraId is null ? a.Title : $"[{a.JiraId}] {a.Title}")}\" is assigned to you (assign fee ${a.AssignFee.ToString(CultureInfo.InvariantCulture)})."),
            LedgerEntryRecorded { Kind: EntryKinds.Payout } p when p.AccountId == me =>
                (NotificationKinds.Payout, $"You were paid ${(-p.Amount).ToString(CultureInfo.InvariantCulture)} for {BusinessCalendar.Key(p.PayoutDate!.Value)}."),
            _ => null,
        };
        if (notification is null) return;
        var added = await RunCommand(() =>
        {
            if (State.Sources.Contains(recordedEvent.EventId)) return false;
            RaiseEvent(new InboxNotified(Guid.CreateVersion7(), recordedEvent.EventId, notification.Value.Kind, notification.Value.Text));
            return true;
        }, DomainSubscriptions.ConsumerAttempts, refreshFirst: false);
        if (added && notification.Value.Kind == NotificationKinds.Payout) logger.LogInformation("Payout email to user {User}: {Text}", me, notification.Value.Text);
    }

    public async Task<IReadOnlyList<NotificationDto>> List()
    {
        await RefreshAsync();
        return State.Notifications.AsEnumerable().Reverse().ToList();
    }
}
