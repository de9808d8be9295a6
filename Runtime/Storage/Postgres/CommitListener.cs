using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Ates.Runtime.Storage.Postgres;

/// <summary>
/// Wake-ups across silos: after each group commit one NOTIFY names the partitions it touched (never a NOTIFY inside
/// the write transaction, which would serialize every commit), and a LISTEN connection wakes this silo's pumps for
/// other silos' commits. Wake-ups are hints: a lost one costs at most a poll interval, and after a reconnect every
/// partition is woken because notifications sent meanwhile are gone.
/// </summary>
internal sealed class CommitListener : IAsyncDisposable
{
    private readonly PostgresStoreOptions _options;
    private readonly ILogger _logger;
    private readonly Action<int> _wake;
    private readonly string _instance = Guid.NewGuid().ToString("N");
    private readonly NpgsqlDataSource _notifySource;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _notifying = new(1, 1);
    private readonly HashSet<int> _unsent = [];
    private Task _listening = Task.CompletedTask;

    public CommitListener(PostgresStoreOptions options, ILogger logger, Action<int> wake)
    {
        _options = options;
        _logger = logger;
        _wake = wake;
        _notifySource = PostgresStore.CreateDataSource(options.ConnectionString, "ates-notify", pooling: true);
    }

    public Task StartAsync(CancellationToken ct)
    {
        var connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _listening = Task.Run(() => ListenAsync(connected), CancellationToken.None);
        return connected.Task.WaitAsync(ct);
    }

    /// <summary>Announces a commit to the other silos, coalescing commits that happen while a NOTIFY is on its way.</summary>
    public void Publish(IReadOnlyCollection<int> partitions)
    {
        lock (_unsent) _unsent.UnionWith(partitions);
        _ = SendAsync();
    }

    private async Task SendAsync()
    {
        if (!await _notifying.WaitAsync(0).ConfigureAwait(false)) return; // the sender in flight picks these up after its send
        try
        {
            while (true)
            {
                // One NOTIFY for the commits of the next moment: other silos' tails linger as long before they read anyway.
                if (_options.TailLinger > TimeSpan.Zero) await Task.Delay(_options.TailLinger, TimeProvider.System, _stop.Token).ConfigureAwait(false);
                string payload;
                lock (_unsent)
                {
                    if (_unsent.Count == 0) return;
                    payload = _instance + ":" + string.Join(',', _unsent);
                    _unsent.Clear();
                }
                await using var command = _notifySource.CreateCommand(PostgresSql.NotifyCommitted);
                command.Parameters.AddWithValue("channel", _options.Channel);
                command.Parameters.AddWithValue("payload", payload);
                await command.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogDebug(ex, "NOTIFY failed; other silos find the events at their next poll");
            _notifySource.Clear();
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _notifying.Release();
        }
        // A commit published while this sender was finishing found the semaphore taken: send it now.
        bool more;
        lock (_unsent) more = _unsent.Count > 0;
        if (more && !_stop.IsCancellationRequested) _ = SendAsync();
    }

    private async Task ListenAsync(TaskCompletionSource connected)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _notifySource.OpenConnectionAsync(_stop.Token).ConfigureAwait(false);
                connection.Notification += (_, e) => OnNotification(e.Payload);
                await using (var listen = new NpgsqlCommand(PostgresSql.Listen(_options.Channel), connection))
                {
                    await listen.ExecuteNonQueryAsync(_stop.Token).ConfigureAwait(false);
                }
                // Whatever was announced while we were not listening is lost: look everywhere once.
                if (!connected.TrySetResult()) WakeEverything();
                delay = TimeSpan.FromMilliseconds(100);
                while (!_stop.IsCancellationRequested) await connection.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                if (connected.TrySetException(ex)) return;
                _logger.LogWarning("Commit listener lost its connection ({Error}); reconnecting", ex.Message);
                _notifySource.Clear();
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
        var colon = payload.IndexOf(':');
        if (colon < 0 || payload.AsSpan(0, colon).SequenceEqual(_instance)) return; // our own commits woke us already
        foreach (var part in payload[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var partition) && partition >= 0 && partition < _options.Partitions) _wake(partition);
        }
    }

    private void WakeEverything()
    {
        for (var p = 0; p < _options.Partitions; p++) _wake(p);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _listening.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogDebug(ex, "Commit listener ended with an error");
        }
        await _notifySource.DisposeAsync().ConfigureAwait(false);
    }
}
