namespace Ates.Client;

/// <summary>Home of the typed gateway client and the web frontend (issue 4).</summary>
internal static class ClientAssembly;
