namespace Ates.Storage.Sqlite;

/// <summary>
/// The data directory and what is in it are the owner's alone (0700 and 0600): the journal holds password hashes and
/// the sessions, and a copy readable by other users of the host is a copy of them. SQLite gives its -wal and -shm files
/// the database file's mode, so the database file is created 0600 before SQLite opens it.
/// </summary>
public static class PrivateFiles
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the directory (0700) or narrows an existing one and every file in it (0600).</summary>
    public static void SecureDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return;
        }
        Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        Narrow(directory, OwnerOnlyDirectory);
        foreach (var file in Directory.EnumerateFiles(directory)) Narrow(file, OwnerOnlyFile);
    }

    /// <summary>Best effort on what this user does not own (a mount point the platform made): what Ates creates is created narrow.</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Narrow(string path, UnixFileMode mode)
    {
        try
        {
            File.SetUnixFileMode(path, mode);
        }
        catch (UnauthorizedAccessException)
        {
            // Not ours to change; the files inside that Ates creates are 0600 from the start.
        }
    }

    /// <summary>Creates an empty file readable by its owner only, unless it exists (then narrows it).</summary>
    public static void EnsureFile(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = OwnerOnlyFile });
        }
        catch (IOException) when (File.Exists(path))
        {
            Narrow(path, OwnerOnlyFile);
        }
    }

    /// <summary>
    /// Writes a new file readable by its owner only, whole or not at all: written beside it and moved into place, so a
    /// process killed while writing leaves no half file that would stop every later start. False when another process
    /// created it first.
    /// </summary>
    public static bool TryCreate(string path, ReadOnlySpan<byte> content)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var draft = $"{full}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile;
        using (var file = new FileStream(draft, options))
        {
            file.Write(content);
            file.Flush(flushToDisk: true);
        }
        try
        {
            File.Move(draft, full, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(full))
        {
            File.Delete(draft);
            return false;
        }
    }
}
