using Ates.Runtime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Ates.Domain.Tests;

/// <summary>A TestCluster (two silos by default) hosting the aTES domain, with helpers to act and to wait for effects.</summary>
public sealed class DomainCluster : IAsyncDisposable
{
    private DomainCluster(TestCluster cluster) => Cluster = cluster;

    public TestCluster Cluster { get; }

    public IReadOnlyList<Silo> Silos => Cluster.Silos;

    /// <summary>Grains through silo <paramref name="silo"/> (round-robin across silos when omitted).</summary>
    public IGrainFactory Grains(int? silo = null) => Silos[(silo ?? Interlocked.Increment(ref _next)) % Silos.Count].GrainFactory;

    private int _next;

    public IUserRegistryGrain Registry(int? silo = null) => Grains(silo).GetGrain<IUserRegistryGrain>(Singletons.Key);

    public ITaskBoardGrain Board(int? silo = null) => Grains(silo).GetGrain<ITaskBoardGrain>(Singletons.Key);

    public IAccountGrain Account(Guid userId) => Grains().GetGrain<IAccountGrain>(userId);

    public DomainQueries Queries => Silos[0].Services.GetRequiredService<DomainQueries>();

    public IEventSerializer Serializer => Silos[0].Services.GetRequiredService<IEventSerializer>();

    public static async Task<DomainCluster> StartAsync(int silos = 2, TimeProvider? time = null, int? seed = null, Action<DomainOptions>? domain = null,
        string? dataDirectory = null, Func<TimeProvider, IAtesStore>? store = null)
    {
        var cluster = await TestCluster.StartAsync(new TestClusterOptions
        {
            InitialSilos = silos,
            Time = time ?? TimeProvider.System,
            CreateStore = store ?? (dataDirectory is null ? null : t => Ates.Runtime.Storage.Embedded.EmbeddedStore.Open(new() { DataDirectory = dataDirectory }, t)),
            ConfigureServices = services =>
            {
                if (seed is { } s) services.AddSingleton(new RandomSource(new Random(s)));
            },
            ConfigureSilo = silo =>
            {
                silo.AddAtesDomain(domain);
                silo.Configure(o =>
                {
                    // A manual clock never fires a backoff delay: retry at once there.
                    o.RetryBackoff = time is ManualTimeProvider ? TimeSpan.Zero : TimeSpan.FromMilliseconds(1);
                    if (time is ManualTimeProvider) o.LeaseTtl = TimeSpan.FromDays(3650); // leases are not under test on a manual clock
                });
            },
        });
        return new DomainCluster(cluster);
    }

    public async Task<UserDto> UserAsync(string role, string? name = null)
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        return await Registry().Register($"{role}-{id}@ates.test", name ?? $"{role} {id}", role, "not-a-real-hash");
    }

    public Task<TaskDto> CreateTaskAsync(Guid createdBy, string? title = null, string? jiraId = null, int? silo = null) =>
        Grains(silo).GetGrain<ITaskGrain>(Guid.CreateVersion7()).Create(new NewTask(title ?? $"Task {Guid.NewGuid():N}", jiraId, null), createdBy);

    public Task<TaskDto> CompleteAsync(Guid taskId, Guid actorId) => Grains().GetGrain<ITaskGrain>(taskId).Complete(actorId);

    /// <summary>Waits until every subscription has processed the whole log, as it is when they all agree.</summary>
    public async Task SettledAsync(TimeSpan? timeout = null)
    {
        var operations = Silos[0].Services.GetRequiredService<SubscriptionOperations>();
        try
        {
            await UntilAsync(async () =>
            {
                foreach (var name in operations.Names)
                    if (!await operations.IsCaughtUpAsync(name)) return false;
                return true;
            }, timeout);
        }
        catch (TimeoutException)
        {
            var behind = new List<string>();
            foreach (var name in operations.Names)
                if (!await operations.IsCaughtUpAsync(name)) behind.Add(name);
            var leases = string.Join("; ", Silos.Select(s => $"{s.Id}: {s.HeldLeases.Count} leases"));
            throw new TimeoutException($"Subscriptions still behind: {string.Join(", ", behind)} ({leases}); dead letters: {(await operations.ListDeadLettersAsync()).Count}");
        }
    }

    /// <summary>Re-checks the condition whenever the store commits anything, until it holds.</summary>
    public async Task UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var _ = Cluster.Store.OnCommitted(_ => Volatile.Read(ref signal).TrySetResult());
        while (true)
        {
            var next = Volatile.Read(ref signal).Task;
            if (await condition()) return;
            try
            {
                // Appends wake us at once; checkpoint moves raise no signal, so the cap re-checks for those.
                await next.WaitAsync(TimeSpan.FromMilliseconds(250), deadline.Token);
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

    public async Task<IReadOnlyList<(RecordedEvent Recorded, object Event)>> EventsAsync(string streamId)
    {
        var events = await Cluster.Store.ReadStreamAsync(streamId, 0, 100_000);
        return events.Select(e => (e, Serializer.Deserialize(e))).ToList();
    }

    public async Task<InvariantReport> InvariantsAsync() => await LedgerInvariants.CheckAsync(Cluster.Store, Serializer);

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}
