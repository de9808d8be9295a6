using Ates.Journal;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ates.Storage.Postgres;

// Every round trip to the database, retried while PostgreSQL is unreachable for up to the retry window.
public sealed partial class PostgresJournal
{
    private async Task<int> ExecuteAsync(string sql, Action<NpgsqlParameterCollection> parameters, CancellationToken ct) =>
        await WithRetryAsync(async () =>
        {
            await using var command = _dataSource.CreateCommand(sql);
            parameters(command.Parameters);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);

    private Task<T> QueryAsync<T>(string sql, Action<NpgsqlParameterCollection> parameters, Func<NpgsqlDataReader, Task<T>> read, CancellationToken ct) =>
        QueryAsync(_dataSource, sql, parameters, read, ct);

    private Task<T> QueryAsync<T>(NpgsqlDataSource source, string sql, Action<NpgsqlParameterCollection> parameters, Func<NpgsqlDataReader, Task<T>> read,
        CancellationToken ct) =>
        WithRetryAsync(async () =>
        {
            await using var command = source.CreateCommand(sql);
            parameters(command.Parameters);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await read(reader).ConfigureAwait(false);
        }, ct);

    /// <summary>
    /// Runs an idempotent operation, retrying while the database is unreachable (a restart or failover) for up to the
    /// retry window, then throws <see cref="JournalUnavailableException"/>. Always returns a task, never throws.
    /// </summary>
    internal Task<T> WithRetryAsync<T>(Func<Task<T>> operation, CancellationToken ct) =>
        WithRetryAsync(operation, _options.RetryWindow, _logger, [_dataSource, _scans], ct);

    private static async Task<T> WithRetryAsync<T>(Func<Task<T>> operation, TimeSpan window, ILogger logger, NpgsqlDataSource[] pools, CancellationToken ct)
    {
        var started = TimeProvider.System.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                return await operation().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsTransient(ex) && !ct.IsCancellationRequested && TimeProvider.System.GetElapsedTime(started) < window)
            {
                logger.LogWarning("PostgreSQL unreachable ({Error}); retrying in {Delay} ms", ex.Message, (int)delay.TotalMilliseconds);
                // A broken pool would hand out dead connections again: the retry opens fresh ones. (A deadlock or
                // serialization failure leaves the connections sound.)
                if (ex is not PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure })
                {
                    foreach (var pool in pools) pool.Clear();
                }
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 1000));
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                throw new JournalUnavailableException($"PostgreSQL is unreachable: {ex.Message}", ex);
            }
        }
    }

    /// <summary>
    /// Lost connections, a server shutting down or starting up, too many connections, and a transaction the server
    /// aborted as a deadlock victim or serialization failure (nothing of it applied): worth a retry, unlike any other answer.
    /// </summary>
    internal static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState.StartsWith("57P", StringComparison.Ordinal) || pg.SqlState.StartsWith("08", StringComparison.Ordinal)
                                || pg.SqlState is "53300" or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure,
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or System.Net.Sockets.SocketException or TimeoutException,
        _ => false,
    };
}
