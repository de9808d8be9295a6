using System.Diagnostics;
using System.Net.Sockets;
using Ates.Grains;
using Ates.Grains.Interfaces;
using Ates.Silo;
using Ates.Storage.Journal;
using Ates.Storage.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Ates.Bench;

/// <summary>
/// A silo hosted in the bench process on a generic host (localhost clustering, free ports, logs at Warning on stderr so
/// the tables on stdout stay clean). <see cref="StartAtesAsync"/> adds Ates as the Silo host does (AddAtes: journal,
/// snapshots and reminders in memory, the domain, one journal stream provider per subscription, the dashboard);
/// <see cref="StartBareAsync"/> and <see cref="StartCustomAsync"/> are the bare-Orleans baselines, Ates left out on purpose.
/// </summary>
public sealed class BenchSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchSilo(IHost host, IJournalStore? journal)
    {
        _host = host;
        Journal = journal;
    }

    public IServiceProvider Services => _host.Services;

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    /// <summary>The silo's journal (null on a bare silo). The bench owns it: it outlives the silo and is disposed by the caller.</summary>
    public IJournalStore? Journal { get; }

    public IUserRegistryGrain Registry => Grains.GetGrain<IUserRegistryGrain>(Singletons.Key);

    /// <summary>An Ates silo on <paramref name="journal"/>, assembled by the Silo host's own AddAtes (without its web host and configuration).</summary>
    /// <param name="subscriptions">False: no journal stream provider (a reference for what the subscriptions cost).</param>
    public static Task<BenchSilo> StartAtesAsync(IJournalStore journal, Action<DomainOptions>? domain = null, Action<ISiloBuilder>? configure = null,
        bool subscriptions = true) =>
        StartAsync(silo =>
        {
            silo.AddAtes(journal, o =>
            {
                o.Domain = domain;
                o.Subscriptions = subscriptions;
            });
            configure?.Invoke(silo);
        }, journal);

    /// <summary>Orleans alone: localhost clustering and nothing else.</summary>
    public static Task<BenchSilo> StartBareAsync() => StartAsync(_ => { }, null);

    /// <summary>Orleans with only what <paramref name="configure"/> adds.</summary>
    public static Task<BenchSilo> StartCustomAsync(Action<ISiloBuilder> configure) => StartAsync(configure, null);

    private static async Task<BenchSilo> StartAsync(Action<ISiloBuilder> configure, IJournalStore? journal)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(Ports.Free(), Ports.Free());
            configure(silo);
        });
        var host = builder.Build();
        await host.StartAsync();
        return new BenchSilo(host, journal);
    }

    /// <summary>Registers users through the registry grain, as the gateway would.</summary>
    public async Task<List<UserDto>> RegisterAsync(string role, int count)
    {
        var users = new List<UserDto>(count);
        for (var i = 0; i < count; i++) users.Add(await Registry.Register($"{role}{i}-{Guid.NewGuid():N}@bench.test", $"{role} {i}", role, "not-a-real-hash"));
        return users;
    }

    /// <summary>Waits until every subscription has delivered the whole journal and nothing new was appended meanwhile.</summary>
    public async Task<TimeSpan> SettleAsync(TimeSpan? timeout = null)
    {
        var start = Stopwatch.GetTimestamp();
        var subscriptions = Services.GetRequiredService<Subscriptions>();
        var journal = Journal ?? throw new InvalidOperationException("A bare silo has no subscriptions.");
        var deadline = timeout ?? TimeSpan.FromMinutes(5);
        while (true)
        {
            var head = await journal.ReadHeadAsync();
            var caughtUp = true;
            foreach (var name in subscriptions.Names) caughtUp &= await subscriptions.IsCaughtUpAsync(name);
            if (caughtUp && await journal.ReadHeadAsync() == head) return Stopwatch.GetElapsedTime(start);
            if (Stopwatch.GetElapsedTime(start) > deadline)
            {
                var status = await subscriptions.StatusAsync();
                throw new TimeoutException($"Subscriptions did not settle in {deadline}: " +
                                           string.Join("; ", status.Select(s => $"{s.Name} {s.Pending} pending")));
            }
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync();
        }
        finally
        {
            _host.Dispose();
        }
    }
}

public static class Ports
{
    /// <summary>A port nothing listens on now (the OS picks it).</summary>
    public static int Free() => Ates.Testing.SiloProcess.FreePort();
}

/// <summary>A temporary directory removed with the scope.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix) => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    public string Path { get; }

    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            try
            {
                if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(100 * attempt); // a process that held a file may still be exiting
            }
        }
    }
}
