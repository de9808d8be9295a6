using System.Diagnostics;

namespace Ates.Testing;

/// <summary>
/// An external tool a test or benchmark runs (kill, pgbench, wrk, node, kiota): what it printed and how it exited, and
/// killed with its children if it overruns, so no tool outlives the run that started it.
/// </summary>
public static class ToolProcess
{
    public static async Task<(int Exit, string Output, string Errors)> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        using var overrun = new CancellationTokenSource(timeout);
        var output = process.StandardOutput.ReadToEndAsync(overrun.Token);
        var errors = process.StandardError.ReadToEndAsync(overrun.Token);
        try
        {
            await process.WaitForExitAsync(overrun.Token).ConfigureAwait(false);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        return (process.ExitCode, await output.ConfigureAwait(false), await errors.ConfigureAwait(false));
    }
}
