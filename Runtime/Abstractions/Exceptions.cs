namespace Ates.Runtime;

/// <summary>An append found the stream at another version than the writer expected.</summary>
public sealed class VersionConflictException(string streamId, long expectedVersion, long actualVersion)
    : Exception($"Stream '{streamId}' is at version {actualVersion}, the writer expected {expectedVersion}.")
{
    public string StreamId { get; } = streamId;
    public long ExpectedVersion { get; } = expectedVersion;
    public long ActualVersion { get; } = actualVersion;
}

/// <summary>The store cannot accept writes any more (a failed fsync or a closed store).</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
