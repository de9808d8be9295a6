namespace Ates.Grains;

/// <summary>Anchor for registering this assembly's grain classes with a silo (AddGrains).</summary>
public static class GrainsAssembly;
