using Ates.Client.Apis;
using Ates.Silo;
using Ates.Storage.Journal;
using Ates.Storage.Memory;
using Ates.Storage.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;

namespace Ates.Domain.Tests;

/// <summary>
/// The aTES domain on an Orleans in-process test cluster (two silos by default) sharing one journal, with helpers to
/// act through any silo and to wait for the subscriptions to settle.
/// </summary>
public sealed class DomainCluster : IAsyncDisposable
{
    private int _next;

    private DomainCluster(InProcessTestCluster cluster, IJournalStore journal)
    {
        Cluster = cluster;
        Journal = journal;
    }

    public InProcessTestCluster Cluster { get; }

    /// <summary>The journal every silo of the cluster shares.</summary>
    public IJournalStore Journal { get; }

    public IReadOnlyList<InProcessSiloHandle> Silos => Cluster.Silos;

    /// <summary>Grains through silo <paramref name="silo"/> (round-robin across the silos when omitted).</summary>
    public IGrainFactory Grains(int? silo = null)
    {
        var silos = Cluster.GetActiveSilos().ToList();
        return silos[(silo ?? Interlocked.Increment(ref _next)) % silos.Count].ServiceProvider.GetRequiredService<IGrainFactory>();
    }

    public IServiceProvider Services(int silo = 0) => Cluster.GetActiveSilos().ElementAt(silo).ServiceProvider;

    public IUserRegistryGrain Registry(int? silo = null) => Grains(silo).GetGrain<IUserRegistryGrain>(Singletons.Key);

    public ITaskBoardGrain Board(int? silo = null) => Grains(silo).GetGrain<ITaskBoardGrain>(Singletons.Key);

    public IAccountGrain Account(Guid userId) => Grains().GetGrain<IAccountGrain>(userId);

    /// <summary>The gateway's queries over the grains (Client/Apis/DomainQueries.cs), as the API answers them.</summary>
    public DomainQueries Queries => new(Grains(), Services().GetRequiredService<BusinessCalendar>());

    public IEventSerializer Serializer => Services().GetRequiredService<IEventSerializer>();

    public Subscriptions Subscriptions => Services().GetRequiredService<Subscriptions>();

    public static async Task<DomainCluster> StartAsync(int silos = 2, TimeProvider? clock = null, int? seed = null, Action<DomainOptions>? domain = null,
        IJournalStore? journal = null, Action<ISiloBuilder>? silo = null)
    {
        journal ??= new InMemoryJournal();
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((_, host) => host.Logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureSilo((_, siloBuilder) =>
        {
            // As the Silo host assembles it, without the dashboard (nobody looks at a test cluster's).
            siloBuilder.AddAtes(journal, o =>
            {
                o.Dashboard = false;
                o.Domain = d =>
                {
                    d.Clock = clock ?? TimeProvider.System;
                    d.DayCloseCheckPeriod = TimeSpan.FromMilliseconds(200);
                    domain?.Invoke(d);
                };
            });
            siloBuilder.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromMilliseconds(100));
            if (seed is { } s) siloBuilder.ConfigureServices(services => services.AddSingleton(new RandomSource(new Random(s))));
            silo?.Invoke(siloBuilder);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new DomainCluster(cluster, journal);
    }

    public async Task<UserDto> UserAsync(string role, string? name = null)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        return await Registry().Register($"{role}-{id}@ates.test", name ?? $"{role} {id}", role, "not-a-real-hash");
    }

    public Task<TaskDto> CreateTaskAsync(Guid createdBy, string? title = null, string? jiraId = null, int? silo = null) =>
        Grains(silo).GetGrain<ITaskGrain>(Guid.CreateVersion7()).Create(new NewTask(title ?? $"Task {Guid.NewGuid():N}", jiraId, null), createdBy);

    public Task<TaskDto> CompleteAsync(Guid taskId, Guid actorId) => Grains().GetGrain<ITaskGrain>(taskId).Complete(actorId);

    /// <summary>Waits until every subscription has delivered the whole journal, as it is when they all agree.</summary>
    public async Task SettledAsync(TimeSpan? timeout = null)
    {
        try
        {
            await UntilAsync(async () =>
            {
                var head = await Journal.ReadHeadAsync();
                foreach (var name in DomainSubscriptions.All)
                    if (!await Subscriptions.IsCaughtUpAsync(name)) return false;
                return await Journal.ReadHeadAsync() == head;
            }, timeout);
        }
        catch (TimeoutException)
        {
            var status = await Subscriptions.StatusAsync();
            throw new TimeoutException("Subscriptions still behind: " + string.Join("; ", status.Where(s => s.Pending > 0).Select(s => $"{s.Name} {s.Pending} pending")) +
                                       $"; dead letters: {(await Journal.ListDeadLettersAsync()).Count}");
        }
    }

    /// <summary>Checks the condition again after every commit to the journal (and at least every 100 ms), until it holds.</summary>
    public async Task UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = Journal.OnAppended(() => Volatile.Read(ref signal).TrySetResult());
        while (true)
        {
            var next = Volatile.Read(ref signal).Task;
            if (await condition()) return;
            try
            {
                // Commits wake us at once; checkpoint moves raise no signal, so the cap re-checks for those.
                await next.WaitAsync(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException("The condition did not hold in time.");
            }
            Interlocked.Exchange(ref signal, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    public async Task<IReadOnlyList<(JournalEvent Recorded, object Event)>> EventsAsync(string streamId)
    {
        var events = await Journal.ReadStreamAsync(streamId, 0, 100_000);
        return events.Select(e => (e, Serializer.Deserialize(e))).ToList();
    }

    public Task<InvariantReport> InvariantsAsync() => LedgerInvariants.CheckAsync(Journal, Serializer);

    /// <summary>
    /// The audit of the books (Grains/Audit), once billing's checkpoints have passed every task event; fails the test
    /// with the differences in words unless the books agree with the work done.
    /// </summary>
    public async Task<AuditDto> AuditAsync()
    {
        AuditDto audit = null!;
        await UntilAsync(async () => (audit = await Grains().GetGrain<IBooksAuditGrain>(Singletons.Key).Check()).Pending == 0);
        audit.Differences.Select(d => $"{d.Kind} {d.Name} {d.Date}: {d.Detail}").ShouldBeEmpty();
        audit.Ok.ShouldBeTrue();
        return audit;
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
    }
}
