namespace Ates.Grains.Interfaces;

/// <summary>How a task listing sorts: newest first, or the highest assign fee or reward first (newest first on a tie).</summary>
public static class TaskSorts
{
    public const string Newest = "newest";
    public const string Fee = "fee";
    public const string Reward = "reward";
}
