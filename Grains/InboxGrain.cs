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

    public Task OnEventAsync(RecordedEvent recordedEvent) => OnEventsAsync([recordedEvent]);

    public async Task OnEventsAsync(IReadOnlyList<RecordedEvent> recordedEvents)
    {
        var me = this.GetPrimaryKey();
        var emails = new List<string>();
        await ConsumeAsync(recordedEvents, recordedEvent =>
        {
            if (ReferenceEquals(recordedEvent, recordedEvents[0])) emails.Clear(); // a retried command decides again from the first event
            if (State.Sources.Contains(recordedEvent.EventId)) return;
            (string Kind, string Text)? notification = serializer.Deserialize(recordedEvent) switch
            {
                TaskAssigned a when a.AssigneeId == me =>
                    (NotificationKinds.TaskAssigned, $"Task \"{(a.JiraId is null ? a.Title : $"[{a.JiraId}] {a.Title}")}\" is assigned to you (assign fee ${a.AssignFee.ToString(CultureInfo.InvariantCulture)})."),
                LedgerEntryRecorded { Kind: EntryKinds.Payout } p when p.AccountId == me =>
                    (NotificationKinds.Payout, $"You were paid ${(-p.Amount).ToString(CultureInfo.InvariantCulture)} for {BusinessCalendar.Key(p.PayoutDate!.Value)}."),
                _ => null,
            };
            if (notification is null) return;
            RaiseEvent(new InboxNotified(Guid.CreateVersion7(), recordedEvent.EventId, notification.Value.Kind, notification.Value.Text));
            if (notification.Value.Kind == NotificationKinds.Payout) emails.Add(notification.Value.Text);
        }, DomainSubscriptions.ConsumerAttempts, refreshFirst: false);
        // Sent once the notifications are durable.
        foreach (var text in emails) logger.LogInformation("Payout email to user {User}: {Text}", me, text);
    }

    public async Task<IReadOnlyList<NotificationDto>> List()
    {
        await RefreshAsync();
        return State.Notifications.AsEnumerable().Reverse().ToList();
    }
}
