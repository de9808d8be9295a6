namespace Ates.Grains.Interfaces;

public static class AuditKinds
{
    public const string FeeMissing = "fee-missing";
    public const string RewardMissing = "reward-missing";
    public const string EntryAmount = "entry-amount";
    public const string EntryAccount = "entry-account";
    public const string EntryTwice = "entry-twice";
    public const string EntryWithoutSource = "entry-without-source";
    public const string BalanceChain = "balance-chain";
    public const string PayoutMissing = "payout-missing";
    public const string PayoutAmount = "payout-amount";
    public const string PayoutUnexpected = "payout-unexpected";
    public const string PayoutTwice = "payout-twice";
    public const string Balance = "balance";
    public const string AccountingDay = "accounting-day";
    public const string AnalyticsDay = "analytics-day";
}
