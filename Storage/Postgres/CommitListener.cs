using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ates.Storage.Postgres;

/// <summary>
/// Wake-ups across processes: after each group commit one NOTIFY says so (never a NOTIFY inside the write
/// transaction, which would serialize every commit on the server's notify queue lock), and a LISTEN connection wakes
/// this process's listeners for other processes' commits. The payload names the sender and the partitions written to
/// ("instance:partitions"), so only the readers of those partitions wake. Wake-ups are hints: after a reconnect every
/// listener is woken once, because notifications sent meanwhile are gone.
/// </summary>
internal sealed class CommitListener : IAsyncDisposable
{
    private readonly PostgresJournalOptions _options;
    private readonly ILogger _logger;
    private readonly Action<int> _wake;
    // Our own NOTIFYs come back to us: the instance id in the payload tells them apart (local commits woke us already).
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly NpgsqlDataSource _notifySource;
    // Unpooled: LISTEN is session state that must not go back to a pool (and NoResetOnClose would keep it there).
    private readonly NpgsqlDataSource _listenSource;
    private readonly CancellationTokenSource _stop = new();
    private int _unsent;
    private int _sending;
    private Task _sendTask = Task.CompletedTask;
    private Task _listening = Task.CompletedTask;

    public CommitListener(PostgresJournalOptions options, ILogger logger, Action<int> wake)
    {
        _options = options;
        _logger = logger;
        _wake = wake;
        _notifySource = PostgresJournal.CreateDataSource(options.ConnectionString, "ates-notify", pooling: true);
        _listenSource = PostgresJournal.CreateDataSource(options.ConnectionString, "ates-listen", pooling: false, prepare: false);
    }

    /// <summary>Starts listening; completes once the LISTEN is in place (a commit made after that is heard).</summary>
    public Task StartAsync(CancellationToken ct)
    {
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _listening = Task.Run(() => ListenAsync(connected), CancellationToken.None);
        return connected.Task.WaitAsync(ct);
    }

    /// <summary>Announces a commit to the other processes, folding commits made while a NOTIFY is on its way into the next one.</summary>
    /// <param name="partitions">The partitions the commit wrote to, a bit each.</param>
    public void Publish(int partitions)
    {
        Interlocked.Or(ref _unsent, partitions | Unsent);
        if (Interlocked.CompareExchange(ref _sending, 1, 0) == 0) _sendTask = SendAsync();
    }

    // A bit above every partition's: set while anything is unsent, even a commit that names no partition.
    private const int Unsent = 1 << 30;

    private async Task SendAsync()
    {
        await Task.Yield(); // the committing writer goes on to acknowledge its appends
        try
        {
            int unsent;
            while ((unsent = Interlocked.Exchange(ref _unsent, 0)) != 0 && !_stop.IsCancellationRequested)
            {
                await using var command = _notifySource.CreateCommand(PostgresSql.NotifyCommitted);
                command.Parameters.AddWithValue("channel", _options.Channel);
                command.Parameters.AddWithValue("payload", $"{_instance}:{(unsent & ~Unsent).ToString(System.Globalization.CultureInfo.InvariantCulture)}");
                await command.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _logger.LogDebug(ex, "NOTIFY failed; other processes find the events when they next read");
            _notifySource.Clear();
        }
        finally
        {
            Volatile.Write(ref _sending, 0);
        }
        // A commit published while this sender was finishing found it busy: send for it now.
        if (Volatile.Read(ref _unsent) != 0 && !_stop.IsCancellationRequested && Interlocked.CompareExchange(ref _sending, 1, 0) == 0) _sendTask = SendAsync();
    }

    private async Task ListenAsync(TaskCompletionSource connected)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _listenSource.OpenConnectionAsync(_stop.Token).ConfigureAwait(false);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await using (var listen = new NpgsqlCommand(PostgresSql.Listen(_options.Channel), connection))
                {
                    await listen.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
                }
                // Whatever was announced while we were not listening is lost: wake everyone once.
                if (!connected.TrySetResult()) Wake(Ates.Journal.JournalPartitions.All);
                delay = TimeSpan.FromMilliseconds(100);
                while (!_stop.IsCancellationRequested)
                {
                    if (await connection.WaitAsync(_options.ListenProbeInterval, _stop.Token).ConfigureAwait(false)) continue;
                    // Quiet for a while: make sure the connection is still there (a silently dropped one never reports).
                    await using var probe = new NpgsqlCommand(PostgresSql.Probe, connection);
                    await probe.ExecuteScalarAsync(_stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return; // closing (a cancelled wait may also surface as a broken connection)
            }
            catch (Exception ex)
            {
                if (connected.TrySetException(ex)) return;
                _logger.LogWarning("The journal's commit listener lost its connection ({Error}); reconnecting", ex.Message);
                try
                {
                    await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }
    }

    private void OnNotification(string payload)
    {
        var colon = payload.IndexOf(':', StringComparison.Ordinal);
        var sender = colon < 0 ? payload : payload[..colon];
        if (sender == _instance) return;
        // A sender that names no partitions (an older Ates) may have written to any of them.
        Wake(colon >= 0 && int.TryParse(payload.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var partitions)
            ? partitions
            : Ates.Journal.JournalPartitions.All);
    }

    private void Wake(int partitions)
    {
        try
        {
            _wake(partitions);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "A commit wake-up failed");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _listening.ConfigureAwait(false);
            await _sendTask.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogDebug(ex, "The journal's commit listener ended with an error");
        }
        await _notifySource.DisposeAsync().ConfigureAwait(false);
        await _listenSource.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
