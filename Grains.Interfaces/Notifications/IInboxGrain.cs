using Orleans.Concurrency;

namespace Ates.Grains.Interfaces;

/// <summary>A user's notifications: tasks assigned to them, payouts.</summary>
[Alias("ates.inbox")]
public interface IInboxGrain : IGrainWithGuidKey
{
    [ReadOnly]
    Task<IReadOnlyList<NotificationDto>> List();
}
