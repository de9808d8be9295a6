using Ates.Journal;

namespace Ates.Grains.Interfaces.Events;

[EventType("inbox.notified", 1)]
public sealed record InboxNotified(Guid NotificationId, Guid SourceEventId, string Kind, string Text);
