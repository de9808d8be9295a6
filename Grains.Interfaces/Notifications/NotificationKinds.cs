namespace Ates.Grains.Interfaces;

public static class NotificationKinds
{
    public const string TaskAssigned = "task-assigned";
    public const string Payout = "payout";
}
