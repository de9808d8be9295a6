namespace Ates.Grains.Interfaces;

public static class Singletons
{
    public const string Key = "default";
}
