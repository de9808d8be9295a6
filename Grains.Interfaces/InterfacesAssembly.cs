namespace Ates.Grains.Interfaces;

/// <summary>Anchor for scanning this assembly's grain interfaces and [EventType] contracts.</summary>
public static class InterfacesAssembly;
