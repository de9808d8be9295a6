using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Ates.Testing;

/// <summary>
/// A PostgreSQL for tests and benchmarks: the server named by ATES_TEST_POSTGRES (a connection string), or else a
/// throwaway one started with scripts/throwaway-postgres.sh (initdb + pg_ctl on a loopback port) and stopped with
/// the process. Each test gets a database of its own.
/// </summary>
public sealed class PostgresTestServer : IAsyncDisposable
{
    public const string EnvironmentVariable = "ATES_TEST_POSTGRES";

    private static readonly SemaphoreSlim SharedLock = new(1, 1);
    private static PostgresTestServer? _shared;
    private readonly string? _dataDirectory;

    private PostgresTestServer(string connectionString, string? dataDirectory)
    {
        ConnectionString = connectionString;
        _dataDirectory = dataDirectory;
    }

    /// <summary>The server's maintenance connection string.</summary>
    public string ConnectionString { get; }

    /// <summary>True when this object started the server (and so may restart or stop it).</summary>
    public bool IsThrowaway => _dataDirectory is not null;

    /// <summary>The server of this test process: the configured one, or one throwaway server shared by every test.</summary>
    public static async Task<PostgresTestServer> SharedAsync()
    {
        await SharedLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_shared is not null) return _shared;
            var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
            _shared = string.IsNullOrWhiteSpace(configured) ? await StartThrowawayAsync().ConfigureAwait(false) : new PostgresTestServer(configured, null);
            if (_shared.IsThrowaway)
            {
                var server = _shared;
                AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopAsync().GetAwaiter().GetResult();
            }
            return _shared;
        }
        finally
        {
            SharedLock.Release();
        }
    }

    private static readonly SemaphoreSlim PrivateLock = new(1, 1);
    private static PostgresTestServer? _private;

    /// <summary>
    /// A throwaway server of this test process alone, whatever ATES_TEST_POSTGRES says. For tests whose silo processes
    /// load the server heavily: PostgreSQL's transaction horizon is server-wide, so their open transactions would hold
    /// back the journal reads of other test processes sharing the server.
    /// </summary>
    public static async Task<PostgresTestServer> PrivateAsync()
    {
        await PrivateLock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_private is not null) return _private;
            var server = _private = await StartThrowawayAsync().ConfigureAwait(false);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopAsync().GetAwaiter().GetResult();
            return server;
        }
        finally
        {
            PrivateLock.Release();
        }
    }

    /// <summary>A server of its own, for a test that restarts it.</summary>
    public static async Task<PostgresTestServer> StartThrowawayAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"ates-pg-{Guid.NewGuid():N}");
        var port = FreePort();
        var output = await RunScriptAsync("start", directory, port.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
        return new PostgresTestServer(output.Trim().Split('\n')[^1].Trim(), directory);
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"ates_test_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            // A database name cannot be a parameter; this one is generated above, never input.
            await using var command = new NpgsqlCommand($"create database \"{name}\"", connection);
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Stops the server (fast shutdown: open sessions are ended) and starts it again on the same port.</summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        if (!IsThrowaway) throw new InvalidOperationException("Only a throwaway server is restarted by tests.");
        await RunScriptAsync("stop", _dataDirectory!).ConfigureAwait(false);
        await Task.Delay(downtime).ConfigureAwait(false); // the outage under test, not a wait for a condition
        var port = new NpgsqlConnectionStringBuilder(ConnectionString).Port;
        await RunScriptAsync("start", _dataDirectory!, port.ToString(System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
    }

    /// <summary><c>pg_ctl restart -m immediate</c>: every session is cut, nothing is checkpointed, the server recovers from its WAL.</summary>
    public async Task CrashRestartAsync()
    {
        if (!IsThrowaway) throw new InvalidOperationException("Only a throwaway server is restarted by tests.");
        await RunScriptAsync("crash-restart", _dataDirectory!).ConfigureAwait(false);
    }

    public async Task StopAsync()
    {
        if (!IsThrowaway || !Directory.Exists(_dataDirectory)) return;
        await RunScriptAsync("stop", _dataDirectory).ConfigureAwait(false);
        for (var attempt = 1; attempt <= 5 && Directory.Exists(_dataDirectory); attempt++)
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The server may still be removing its own files as it exits.
                await Task.Delay(200 * attempt).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (this != _shared) await StopAsync().ConfigureAwait(false);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string> RunScriptAsync(params string[] args)
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "throwaway-postgres.sh");
        try
        {
            return await RunProcessAsync("bash", [script, .. args]).ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(
                $"Could not {args[0]} a throwaway PostgreSQL: {ex.Message} Install postgresql, or set {EnvironmentVariable} to a connection string.", ex);
        }
    }

    /// <summary>Runs a program to its end and returns what it printed; a non-zero exit is an error carrying its output.</summary>
    public static async Task<string> RunProcessAsync(string program, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(program);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        var (exit, output, errors) = await ToolProcess.RunAsync(start, TimeSpan.FromMinutes(10)).ConfigureAwait(false);
        if (exit != 0) throw new InvalidOperationException($"{program} exited {exit}: {output}{errors}");
        return output;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            // The solution file may be the classic one or the XML one (.slnx).
            if (File.Exists(Path.Combine(dir.FullName, "Ates.sln")) || File.Exists(Path.Combine(dir.FullName, "Ates.slnx"))) return dir.FullName;
        }
        throw new InvalidOperationException("Could not find the repository root (Ates.sln or Ates.slnx) above " + AppContext.BaseDirectory);
    }
}
