using System.Diagnostics;
using Ates.Grains.Interfaces;
using Ates.Journal;

namespace Ates.Grains.EventSourcing;

/// <summary>What every event a command raises carries beside its data: when (business time), and the call it came from.</summary>
internal static class EventStamp
{
    public static EventMetadata Now(BusinessCalendar calendar) =>
        new(calendar.Now, CallContext.CorrelationId, CallContext.CausationId, Activity.Current?.Id, CallContext.ActorUserId);
}
