using System.Diagnostics;

namespace Ates.Bench;

/// <summary>One benchmark row: throughput, latency percentiles and allocation per operation.</summary>
public sealed record Measurement(string Scenario, string Variant, long Operations, TimeSpan Elapsed, double P50Micros, double P99Micros, double BytesPerOp, string Note = "")
{
    public double PerSecond => Operations / Elapsed.TotalSeconds;
}

/// <summary>Runs W workers that each time every operation, then merges their latencies.</summary>
public static class Load
{
    public static async Task<Measurement> RunAsync(string scenario, string variant, int workers, int operationsPerWorker,
        Func<int, Func<Task>> makeOperation, string note = "")
    {
        var latencies = new long[workers][];
        var operations = Enumerable.Range(0, workers).Select(makeOperation).ToArray();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var start = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var operation = operations[w];
            var mine = latencies[w] = new long[operationsPerWorker];
            for (var i = 0; i < operationsPerWorker; i++)
            {
                var t0 = Stopwatch.GetTimestamp();
                await operation();
                mine[i] = Stopwatch.GetTimestamp() - t0;
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(start);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        double Micros(double q) => all[(int)Math.Min(all.Length - 1, q * all.Length)] * 1_000_000.0 / Stopwatch.Frequency;
        // Each latency slot is a long written by the harness itself: subtract it so bytes/op is the operation's own.
        var total = (long)workers * operationsPerWorker;
        return new Measurement(scenario, variant, total, elapsed, Micros(0.50), Micros(0.99), Math.Max(0, (allocated - total * sizeof(long)) / (double)total), note);
    }
}
