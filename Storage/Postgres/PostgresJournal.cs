using Ates.Journal;
using Ates.Storage.Journal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Ates.Storage.Postgres;

/// <summary>
/// The journal on PostgreSQL, for several silos sharing one database. Appends are group-committed
/// (<see cref="GroupCommit"/>); log readers page by (tx, position) below the oldest running transaction, because
/// positions are allocated before commit and transactions commit out of order; each commit wakes this process's
/// listeners directly and other processes' by one NOTIFY per batch (<see cref="CommitListener"/>). Every idempotent
/// operation rides out a database restart by retrying within <see cref="PostgresJournalOptions.RetryWindow"/>.
/// </summary>
public sealed partial class PostgresJournal : IJournalStore
{
    private readonly NpgsqlDataSource _dataSource;
    // Scans whose best plan depends on their limit and position (a log page from anywhere): planned at each call.
    // Prepared, PostgreSQL settles on one generic plan, and a sort of the whole log under an unknown limit is a plan
    // it may pick.
    private readonly NpgsqlDataSource _scans;
    private readonly PostgresJournalOptions _options;
    private readonly ILogger _logger;
    private readonly AppendListeners _listeners = new();
    private readonly GroupCommit _commits;
    private readonly CommitListener _commitListener;
    private readonly ReadRowsCommit _readRows;
    private int _disposed;

    private PostgresJournal(NpgsqlDataSource dataSource, NpgsqlDataSource scans, PostgresJournalOptions options, ILogger logger)
    {
        _dataSource = dataSource;
        _scans = scans;
        _options = options;
        _logger = logger;
        Description = DescriptionOf(options.ConnectionString);
        _commitListener = new CommitListener(options, logger, _listeners.Notify);
        _commits = new GroupCommit(this, options, logger);
        _readRows = new ReadRowsCommit(this, logger);
    }

    /// <summary>Connects, creates or migrates the schema, and starts the group commit and the commit listener.</summary>
    public static async Task<PostgresJournal> OpenAsync(PostgresJournalOptions options, ILogger? logger = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxEventsPerCommit, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ConcurrentCommits, 1);
        ArgumentException.ThrowIfNullOrEmpty(options.Channel);
        logger ??= NullLogger.Instance;
        var dataSource = CreateDataSource(options.ConnectionString, "ates", pooling: true);
        var scans = CreateDataSource(options.ConnectionString, "ates-scan", pooling: true, prepare: false);
        PostgresJournal? journal = null;
        try
        {
            await WithRetryAsync(async () =>
            {
                await PostgresSchema.MigrateAsync(dataSource, logger, ct).ConfigureAwait(false);
                return true;
            }, options.RetryWindow, logger, [dataSource], ct).ConfigureAwait(false);
            journal = new PostgresJournal(dataSource, scans, options, logger);
            await journal._commitListener.StartAsync(ct).ConfigureAwait(false);
            return journal;
        }
        catch
        {
            if (journal is not null) await journal.DisposeAsync().ConfigureAwait(false);
            else
            {
                await dataSource.DisposeAsync().ConfigureAwait(false);
                await scans.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
    }

    /// <summary>A data source whose every session commits synchronously: an acknowledged write is on disk.</summary>
    internal static NpgsqlDataSource CreateDataSource(string connectionString, string applicationName, bool pooling, bool prepare = true)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        settings.ApplicationName ??= applicationName;
        settings.Pooling = pooling;
        settings.Options = $"{settings.Options} -c synchronous_commit=on".Trim();
        // The same few statements run all the time: prepare them once per connection instead of parsing each call, and
        // skip the DISCARD ALL on every return to the pool (no statement here leaves session state behind).
        if (settings.MaxAutoPrepare == 0 && prepare) settings.MaxAutoPrepare = 32;
        settings.NoResetOnClose = true;
        return builder.Build();
    }

    private static string DescriptionOf(string connectionString)
    {
        // Host, port and database only: never the password or anything else of the connection string.
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        return $"postgres:{settings.Host}:{settings.Port}/{settings.Database ?? settings.Username}";
    }

    public string Description { get; }

    internal NpgsqlDataSource DataSource => _dataSource;

    internal GroupCommit Commits => _commits;

    // ---- appending (reading: PostgresJournal.Reading.cs) ----

    public Task<AppendResult> AppendAsync(string streamId, long expectedVersion, IReadOnlyList<NewEvent> events, CancellationToken ct = default)
    {
        try
        {
            JournalArguments.CheckAppend(streamId, expectedVersion, events);
            // Only before it is queued: once on its way an append is finished, so that its caller learns its outcome.
            if (ct.IsCancellationRequested) return Task.FromCanceled<AppendResult>(ct);
            if (Volatile.Read(ref _disposed) != 0) return Task.FromException<AppendResult>(new JournalUnavailableException("The journal is closed."));
            return _commits.AppendAsync(streamId, expectedVersion, events);
        }
        catch (Exception ex)
        {
            return Task.FromException<AppendResult>(ex);
        }
    }

    /// <summary>Called by the group commit after each commit: wakes this process's listeners and announces it to the others.</summary>
    /// <param name="partitions">The partitions the commit wrote to, a bit each.</param>
    internal void Committed(int partitions)
    {
        _listeners.Notify(partitions);
        _commitListener.Publish(partitions);
    }

    public IDisposable OnAppended(Action appended)
    {
        ArgumentNullException.ThrowIfNull(appended);
        return _listeners.Add(appended);
    }

    public IDisposable OnPartitionsAppended(Action<int> appended)
    {
        ArgumentNullException.ThrowIfNull(appended);
        return _listeners.Add(appended);
    }

    /// <summary>Stops the group commit (appends still waiting fail with <see cref="JournalUnavailableException"/>), the listener, and the pools.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _commits.DisposeAsync().ConfigureAwait(false);
        await _readRows.DisposeAsync().ConfigureAwait(false);
        await _commitListener.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        await _scans.DisposeAsync().ConfigureAwait(false);
    }
}
