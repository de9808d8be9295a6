namespace Ates.Grains.Interfaces;

public static class TaskStatuses
{
    public const string Open = "open";
    public const string Done = "done";
}
