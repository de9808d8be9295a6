namespace Ates.Grains.Interfaces;

public static class EntryKinds
{
    public const string AssignFee = "assign-fee";
    public const string Reward = "reward";
    public const string Payout = "payout";
}
