using System.Diagnostics;
using Ates.Client;

namespace Ates.Bench;

/// <summary>
/// The real silo process (Ates.Silo.dll, copied beside the bench by its project reference) on a free HTTP port, with
/// the environment given (data directory, storage, connection string). Killed with its process tree on dispose.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();
    private readonly long _startedAt;

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

    /// <summary>A client of this process (up to 256 connections).</summary>
    public HttpClient Http { get; }

    /// <summary>Time since just before the process was started.</summary>
    public TimeSpan SinceStart => Stopwatch.GetElapsedTime(_startedAt);

    public static SiloProcess Start(IReadOnlyDictionary<string, string> environment)
    {
        var url = $"http://127.0.0.1:{Ports.Free()}";
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Ates.Silo.dll"), "--urls", url])
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["Logging__LogLevel__Default"] = "Warning", ["ASPNETCORE_ENVIRONMENT"] = "Production" },
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var startedAt = Stopwatch.GetTimestamp();
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the silo process.");
        var silo = new SiloProcess(process, url, startedAt);
        process.OutputDataReceived += (_, e) => silo.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Lines the process logged at Warning ("warn:") and Error or Critical ("fail:", "crit:") so far.</summary>
    public (int Warnings, int Errors) Logged => (Volatile.Read(ref _warnings), Volatile.Read(ref _errors));

    private int _warnings;
    private int _errors;

    private void Keep(string? line)
    {
        if (line is null) return;
        if (line.StartsWith("warn:", StringComparison.Ordinal)) Interlocked.Increment(ref _warnings);
        if (line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal)) Interlocked.Increment(ref _errors);
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            while (_lastLines.Count > 40) _lastLines.Dequeue();
        }
    }

    private string LastLines()
    {
        lock (_lastLines) return string.Join("\n", _lastLines);
    }

    /// <summary>Polls <c>/health/ready</c> every 10 ms until it answers 200; returns the time since the process started.</summary>
    public async Task<TimeSpan> WaitReadyAsync(TimeSpan? timeout = null)
    {
        var deadline = timeout ?? TimeSpan.FromSeconds(120);
        using var probe = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The silo process exited with {_process.ExitCode}:\n{LastLines()}");
            try
            {
                using var response = await probe.GetAsync("/health/ready");
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
            if (SinceStart > deadline) throw new TimeoutException($"The silo process was not ready after {deadline}:\n{LastLines()}");
            await Task.Delay(10);
        }
    }

    /// <summary>A client signed in as the demo manager (sign-in is rate limited: one per process is what the bench uses).</summary>
    public async Task<AtesClient> ManagerAsync()
    {
        var client = new AtesClient(Http);
        await client.SignInAsync("manager@ates.local", "manager");
        return client;
    }

    /// <summary>Graceful shutdown (SIGTERM, as an orchestrator sends it); returns how long the process took to exit, and its exit code.</summary>
    public async Task<(TimeSpan Elapsed, int ExitCode)> StopAsync(TimeSpan timeout)
    {
        var start = Stopwatch.GetTimestamp();
        await Ates.Testing.PostgresTestServer.RunProcessAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        return (Stopwatch.GetElapsedTime(start), _process.ExitCode);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }
}
