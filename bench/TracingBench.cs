using System.Net;
using Ates.Testing;

namespace Ates.Bench;

/// <summary>
/// What tracing costs: HTTP task creations against the real silo process with no OTLP endpoint configured (no tracer
/// listens, so no span is created), and with one (every span, metric and log exported over OTLP/HTTP to a sink in this
/// process that answers 200). Off and on alternate twice; each keeps its better round.
/// </summary>
public static class TracingBench
{
    private const int Connections = 32;

    public static async Task<IReadOnlyList<Measurement>> RunAsync(int requestsPerConnection)
    {
        var sink = new OtlpSink();
        var rounds = new List<(bool On, Measurement Result)>();
        foreach (var on in new[] { false, true, false, true })
            rounds.Add((on, await RoundAsync(on, sink, requestsPerConnection)));
        await sink.DisposeAsync();

        var off = rounds.Where(r => !r.On).Select(r => r.Result).MaxBy(r => r.PerSecond)!;
        var best = rounds.Where(r => r.On).Select(r => r.Result).MaxBy(r => r.PerSecond)!;
        const string scenario = "tracing cost: task creations over HTTP (SQLite)";
        return
        [
            best with
            {
                Scenario = scenario, Variant = "Ates, tracing on (OTLP/HTTP export of every span)",
                Note = $"{Connections} connections; {best.PerSecond / off.PerSecond:F2}× tracing off; best of 2 alternating rounds; the sink received {sink.Requests:N0} OTLP requests, {sink.Bytes / 1024.0 / 1024.0:F1} MB",
            },
            off with { Scenario = scenario, Variant = "baseline: Ates, tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)", Note = $"{Connections} connections; no tracer listens; best of 2 alternating rounds" },
        ];
    }

    private static async Task<Measurement> RoundAsync(bool tracing, OtlpSink sink, int requestsPerConnection)
    {
        using var directory = new TempDirectory("ates-bench-tracing-");
        var settings = new Dictionary<string, string> { ["Ates__DataDirectory"] = directory.Path, ["Ates__SeedDemoUsers"] = "true" };
        if (tracing)
        {
            settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.Url;
            settings["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        }
        await using var silo = SiloProcess.Start(settings);
        await silo.WaitReadyAsync();
        var client = new AtesClient(silo.Http);
        await client.SignInAsync("manager@ates.local", "manager");
        Task Create() => client.CreateTaskAsync("Traced benchmark task", "UBERPOP-1");
        await Load.RunAsync("warm-up", "", Connections, 10, _ => Create);
        return await Load.RunAsync("tracing", tracing ? "on" : "off", Connections, requestsPerConnection, _ => Create);
    }

    /// <summary>An OTLP/HTTP endpoint that takes everything and answers 200, counting what it got.</summary>
    private sealed class OtlpSink : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;
        private long _requests;
        private long _bytes;

        public OtlpSink()
        {
            var port = SiloProcess.FreePort();
            Url = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }
                    using var body = new MemoryStream();
                    await context.Request.InputStream.CopyToAsync(body);
                    Interlocked.Increment(ref _requests);
                    Interlocked.Add(ref _bytes, body.Length);
                    context.Response.StatusCode = 200;
                    context.Response.Close();
                }
            });
        }

        public string Url { get; }

        public long Requests => Interlocked.Read(ref _requests);

        public long Bytes => Interlocked.Read(ref _bytes);

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _loop;
            _listener.Close();
        }
    }
}
