using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ates.Runtime.Storage.Postgres;

/// <summary>
/// Leases as session advisory locks on one dedicated, unpooled connection. The lease lives exactly as long as that
/// session: a crashed silo's connection closes and its locks go at once; a silo that hangs or is cut off stops
/// renewing, and the server's idle_session_timeout (= the lease TTL) ends its session and frees its locks. A
/// session that lost its connection (a database restart) holds nothing and reconnects at the next renewal.
/// </summary>
internal sealed class PostgresLeaseSession : ILeaseSession
{
    private readonly NpgsqlDataSource _source;
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Lock _sync = new();
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private NpgsqlConnection? _connection;
    private long _validUntil;
    private volatile int _pid;
    private volatile bool _abandoned;

    public PostgresLeaseSession(string connectionString, string siloId, TimeSpan ttl, TimeProvider time, ILogger logger)
    {
        _ttl = ttl;
        _time = time;
        _logger = logger;
        var idleMs = Math.Max(1, (long)ttl.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        _source = PostgresStore.CreateDataSource(connectionString, $"ates-lease:{siloId}", pooling: false,
            $"-c idle_session_timeout={idleMs} -c idle_in_transaction_session_timeout={idleMs}");
    }

    /// <summary>The server process of this session while connected (0 when not): the lease fence of checkpoint moves.</summary>
    public int BackendPid => _abandoned ? 0 : _pid;

    /// <summary>Advisory lock key of a lease name: 64-bit FNV-1a, stable across processes.</summary>
    public static long KeyOf(string lease)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in "ates-lease:" + lease) hash = (hash ^ c) * 1099511628211UL;
        return unchecked((long)hash);
    }

    public async Task ConnectAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await EnsureConnectedAsync(ct).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<NpgsqlConnection> EnsureConnectedAsync(CancellationToken ct)
    {
        if (_connection is { State: System.Data.ConnectionState.Open } open) return open;
        await DropConnectionAsync().ConfigureAwait(false);
        var sentAt = _time.GetTimestamp();
        var connection = await _source.OpenConnectionAsync(ct).ConfigureAwait(false);
        _connection = connection;
        _pid = connection.ProcessID;
        Touch(sentAt);
        return connection;
    }

    private async Task DropConnectionAsync()
    {
        lock (_sync) _held.Clear();
        _pid = 0;
        if (_connection is null) return;
        try
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogDebug(ex, "Closing a broken lease connection failed");
        }
        _connection = null;
    }

    /// <summary>
    /// The server's idle timer restarted no earlier than <paramref name="sentAt"/> (when the request left): trust the
    /// lease for 90 % of the TTL from then, never longer than the server will keep it.
    /// </summary>
    private void Touch(long sentAt) => Interlocked.Exchange(ref _validUntil, sentAt + (long)(_ttl.TotalSeconds * 0.9 * _time.TimestampFrequency));

    public async Task<bool> TryAcquireAsync(string lease, CancellationToken ct = default)
    {
        if (_abandoned) return false;
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (IsHeld(lease)) return true;
            try
            {
                return await TryLockAsync(lease, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // The server ended the session (idle timeout, restart) and every lock with it: a new session may try once.
                _logger.LogInformation("Lease session was ended by the server ({Error}); reconnecting", ex.Message);
                await DropConnectionAsync().ConfigureAwait(false);
                return await TryLockAsync(lease, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            _logger.LogWarning("Lease connection failed while acquiring {Lease} ({Error})", lease, ex.Message);
            await DropConnectionAsync().ConfigureAwait(false);
            return false;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<bool> TryLockAsync(string lease, CancellationToken ct)
    {
        var connection = await EnsureConnectedAsync(ct).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(PostgresSql.TryLock, connection);
        command.Parameters.AddWithValue("key", KeyOf(lease));
        var sentAt = _time.GetTimestamp();
        if (!(bool)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))!) return false;
        lock (_sync) _held.Add(lease);
        Touch(sentAt);
        return true;
    }

    public async Task ReleaseAsync(string lease, CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            bool held;
            lock (_sync) held = _held.Contains(lease);
            if (!held || _connection is null || _abandoned)
            {
                lock (_sync) _held.Remove(lease);
                return;
            }
            // Forget the lease only once the server let go of it: otherwise the lock would outlive our record of it.
            await using var command = new NpgsqlCommand(PostgresSql.Unlock, _connection);
            command.Parameters.AddWithValue("key", KeyOf(lease));
            await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
            lock (_sync) _held.Remove(lease);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The session is gone, and its locks with it.
            await DropConnectionAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<IReadOnlySet<string>> RenewAsync(CancellationToken ct = default)
    {
        if (_abandoned) return new HashSet<string>();
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var connection = _connection;
            if (connection is null)
            {
                await EnsureConnectedAsync(ct).ConfigureAwait(false);
                return new HashSet<string>();
            }
            // Talking to the server is the renewal (it resets the idle timeout); the answer is what the server says we hold.
            var locked = new HashSet<long>();
            var sentAt = _time.GetTimestamp();
            await using (var command = new NpgsqlCommand(PostgresSql.ReadHeldLocks, connection))
            await using (var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(ct).ConfigureAwait(false)) locked.Add(reader.GetInt64(0));
            }
            Touch(sentAt);
            lock (_sync)
            {
                _held.RemoveWhere(l => !locked.Contains(KeyOf(l)));
                return _held.ToHashSet(StringComparer.Ordinal);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException)
        {
            _logger.LogWarning("Lease session lost its connection ({Error}); its leases are gone", ex.Message);
            await DropConnectionAsync().ConfigureAwait(false);
            return new HashSet<string>();
        }
        finally
        {
            _gate.Release();
        }
    }

    public bool IsHeld(string lease)
    {
        if (_abandoned || _pid == 0) return false;
        // Not renewed within the TTL: the server may already have ended the session.
        if (_time.GetTimestamp() >= Interlocked.Read(ref _validUntil)) return false;
        lock (_sync) return _held.Contains(lease);
    }

    public void Abandon() => _abandoned = true;

    public async ValueTask DisposeAsync()
    {
        // An abandoned session is a crashed silo: its connection is left for the server's idle timeout to end.
        if (!_abandoned)
        {
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                await DropConnectionAsync().ConfigureAwait(false); // closing the session releases every lock it holds
            }
            finally
            {
                _gate.Release();
            }
        }
        await _source.DisposeAsync().ConfigureAwait(false);
    }
}
