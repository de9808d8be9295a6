using System.Threading.Channels;
using Ates.Storage.Journal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ates.Storage.Sqlite;

/// <summary>
/// The embedded journal: one SQLite file in WAL mode with <c>synchronous=FULL</c>, so an acknowledged append is on disk.
/// One writer thread owns the only write connection and group-commits whatever is queued (one transaction, one fsync per
/// batch; each write in a savepoint, so one refused append leaves the others of its batch alone). Commits are serial, so
/// position order is commit order. One silo per file: the file is locked for as long as the journal is open.
/// </summary>
public sealed partial class SqliteJournal : IJournalStore
{
    public const string FileName = "ates.db";

    private readonly SqliteReaders _readers;
    private readonly SqliteWriter _writer;
    private readonly FileStream _lock;
    private readonly Channel<Write> _writes = Channel.CreateUnbounded<Write>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _writerThread;
    private readonly AppendListeners _listeners = new();
    private readonly int _maxWritesPerCommit;
    private readonly ILogger _logger;
    private Exception? _fault;

    private SqliteJournal(string path, FileStream fileLock, SqliteJournalOptions options, ILogger logger)
    {
        Description = $"sqlite:{path}";
        _lock = fileLock;
        _logger = logger;
        _maxWritesPerCommit = options.MaxWritesPerCommit;
        _readers = new SqliteReaders(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        _writer = new SqliteWriter(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        _writerThread = new Thread(WriteLoop) { IsBackground = true, Name = "ates-journal-writer" };
        _writerThread.Start();
    }

    public string Description { get; }

    /// <summary>Opens (creating when missing) the journal in the folder; fails when another process has it open.</summary>
    public static SqliteJournal Open(SqliteJournalOptions options, ILogger? logger = null)
    {
        PrivateFiles.SecureDirectory(options.DataDirectory);
        var path = Path.GetFullPath(Path.Combine(options.DataDirectory, FileName));
        PrivateFiles.EnsureFile(path);
        FileStream fileLock;
        try
        {
            // FileShare.None is an exclusive lock that the OS drops when the process dies, even by SIGKILL.
            var lockOptions = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) lockOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            fileLock = new FileStream(path + ".lock", lockOptions);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"The journal {path} is open in another process: one silo per data directory (Ates:DataDirectory).", ex);
        }
        try
        {
            return new SqliteJournal(path, fileLock, options, logger ?? NullLogger.Instance);
        }
        catch
        {
            fileLock.Dispose();
            throw;
        }
    }

    private int _disposed;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _writes.Writer.TryComplete();
        await Task.Run(() => _writerThread.Join()).ConfigureAwait(false);
        _writer.Dispose();
        _readers.Dispose();
        await _lock.DisposeAsync().ConfigureAwait(false);
    }
}
