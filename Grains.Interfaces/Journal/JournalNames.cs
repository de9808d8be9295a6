namespace Ates.Journal;

/// <summary>Names under which the silo registers the journal's Orleans providers.</summary>
public static class JournalNames
{
    /// <summary>The log-consistency provider of journaled grains: <c>[LogConsistencyProvider(ProviderName = JournalNames.LogConsistency)]</c>.</summary>
    public const string LogConsistency = "journal";

    /// <summary>The Orleans grain storage that keeps journaled grains' snapshots (a cache: the journal is the truth).</summary>
    public const string Snapshots = "snapshots";
}
