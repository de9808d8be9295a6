using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Ates.Testing;

/// <summary>
/// A real Ates process (the silo host, Ates.Silo.dll, or another host such as the separate frontend) started with
/// `dotnet` from the caller's output folder, on a loopback HTTP port, with the environment given. Stopped with SIGTERM
/// (<see cref="StopAsync"/>) as an orchestrator would, or SIGKILL (<see cref="Kill"/>) as a crash would; killed with
/// its process tree on dispose.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();
    private readonly long _startedAt;
    private readonly List<string> _errorLines = [];
    private int _warnings;
    private int _errors;
    private bool _inError;

    private SiloProcess(Process process, string url, long startedAt)
    {
        _process = process;
        Url = url;
        _startedAt = startedAt;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(url),
            Timeout = TimeSpan.FromSeconds(100),
        };
    }

    public string Url { get; }

    /// <summary>A client of this process (up to 256 connections), not signed in.</summary>
    public HttpClient Http { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Time since just before the process was started.</summary>
    public TimeSpan SinceStart => Stopwatch.GetElapsedTime(_startedAt);

    /// <summary>The key-ring protection file (a certificate) of this test run's processes, created by the first to start.</summary>
    public static readonly string SharedKeyFile = Path.Combine(Path.GetTempPath(), $"ates-test-keyring-{Environment.ProcessId}.pfx");

    /// <param name="environment">Configuration as environment variables (Ates__Storage, ConnectionStrings__Ates, …).</param>
    /// <param name="port">The HTTP port; a free one when null.</param>
    /// <param name="assembly">The host to run, from the caller's output folder (or a full path: another build of it).</param>
    public static SiloProcess Start(IReadOnlyDictionary<string, string> environment, int? port = null, string assembly = "Ates.Silo.dll")
    {
        var url = $"http://127.0.0.1:{port ?? FreePort()}";
        var path = Path.Combine(AppContext.BaseDirectory, assembly);
        var start = new ProcessStartInfo("dotnet", [path, "--urls", url])
        {
            WorkingDirectory = Path.GetDirectoryName(path)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["Logging__LogLevel__Default"] = "Warning", ["ASPNETCORE_ENVIRONMENT"] = "Production" },
        };
        // Every process of a test run shares one key-ring protection file, as a cluster's hosts share a mounted secret.
        start.Environment["Ates__KeyRing__KeyFile"] = SharedKeyFile;
        // Test processes run as Production; the demo users sign them in unless a test says otherwise.
        start.Environment["Ates__SeedDemoUsers"] = "true";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var startedAt = Stopwatch.GetTimestamp();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {assembly}.");
        var silo = new SiloProcess(process, url, startedAt);
        lock (Live) Live.Add(silo);
        process.OutputDataReceived += (_, e) => silo.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Lines the process logged at Warning ("warn:") and Error or Critical ("fail:", "crit:") so far.</summary>
    public (int Warnings, int Errors) Logged => (Volatile.Read(ref _warnings), Volatile.Read(ref _errors));

    /// <summary>The last 200 lines of its output, for a failure message.</summary>
    public string LastLines()
    {
        lock (_lastLines) return string.Join("\n", _lastLines);
    }

    /// <summary>The first 50 error entries it logged ("fail:"/"crit:" and the message line under each).</summary>
    public IReadOnlyList<string> ErrorLines
    {
        get
        {
            lock (_lastLines) return [.. _errorLines];
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        if (line.StartsWith("warn:", StringComparison.Ordinal)) Interlocked.Increment(ref _warnings);
        var error = line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal);
        if (error) Interlocked.Increment(ref _errors);
        lock (_lastLines)
        {
            if ((error || (_inError && line.StartsWith("      ", StringComparison.Ordinal) && !line.TrimStart().StartsWith("at ", StringComparison.Ordinal))) && _errorLines.Count < 50) _errorLines.Add(line);
            _inError = error || (_inError && line.StartsWith("      ", StringComparison.Ordinal));
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 200) _lastLines.Dequeue();
        }
    }

    /// <summary>Polls <c>/health/ready</c> every 10 ms until it answers 200; returns the time since the process started.</summary>
    public async Task<TimeSpan> WaitReadyAsync(TimeSpan? timeout = null)
    {
        var deadline = timeout ?? TimeSpan.FromSeconds(120);
        using var probe = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"{Url}: the process exited with {_process.ExitCode}:\n{LastLines()}");
            try
            {
                using var response = await probe.GetAsync("/health/ready").ConfigureAwait(false);
                if (response.IsSuccessStatusCode) return SinceStart;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Listening but not answering yet.
            }
            if (SinceStart > deadline) throw new TimeoutException($"{Url}: not ready after {deadline}:\n{LastLines()}");
            await Task.Delay(10).ConfigureAwait(false); // another process: nothing to await but its answer
        }
    }

    /// <summary>Graceful shutdown (SIGTERM, or SIGINT as Ctrl+C sends); returns how long the process took to exit, and its exit code.</summary>
    public async Task<(TimeSpan Elapsed, int ExitCode)> StopAsync(TimeSpan timeout, string signal = "TERM")
    {
        var start = Stopwatch.GetTimestamp();
        await PostgresTestServer.RunProcessAsync("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)]).ConfigureAwait(false);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        return (Stopwatch.GetElapsedTime(start), _process.ExitCode);
    }

    /// <summary>Sends a signal by name ("STOP" freezes the process as a long GC pause or a stalled VM would, "CONT" thaws it).</summary>
    public Task SignalAsync(string signal) =>
        PostgresTestServer.RunProcessAsync("kill", [$"-{signal}", _process.Id.ToString(CultureInfo.InvariantCulture)]);

    /// <summary>SIGKILL: the process ends at once, mid-whatever, as in a crash or an OOM kill.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    // Every process started and not yet disposed: killed when the test process exits, however its tests ended, so no
    // silo outlives the run that started it.
    private static readonly HashSet<SiloProcess> Live = [];

    static SiloProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        SiloProcess[] left;
        lock (Live) left = [.. Live];
        foreach (var silo in left)
        {
            try
            {
                if (!silo._process.HasExited) silo._process.Kill(entireProcessTree: true);
            }
            catch (Exception)
            {
                // Exiting anyway; the next one may still be killed.
            }
        }
        File.Delete(SharedKeyFile);
    };

    public async ValueTask DisposeAsync()
    {
        lock (Live) Live.Remove(this);
        Http.Dispose();
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
        finally
        {
            _process.Dispose();
        }
    }

    // Ports handed out by this process: the OS may offer a port again as soon as the probe's listener closes, and a silo's
    // HTTP, silo and gateway ports are picked one after another (a repeat failed a start with "address already in use").
    private static readonly HashSet<int> Given = [];

    /// <summary>A loopback port nothing listens on now, and not handed out before by this process.</summary>
    public static int FreePort()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (Given)
            {
                if (Given.Add(port)) return port;
            }
        }
    }
}
