using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Ates.Runtime.Core;

/// <summary>
/// The silo-local side of grains: the activation directory, turns, call timeouts and idle collection.
/// Activations are local to a silo; a grain may be active on several silos at once, and correctness across
/// silos comes from the store's expected-version checks, never from this directory.
/// </summary>
internal sealed class GrainRuntime : IGrainFactory
{
    private readonly ConcurrentDictionary<GrainId, Activation> _activations = new();
    private readonly ConcurrentDictionary<Task, bool> _deactivations = new();
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private ITimer? _collector;
    private volatile bool _stopped;

    public GrainRuntime(IServiceProvider services, GrainCatalog catalog, RuntimeOptions options, TimeProvider time,
        IAtesStore store, IEventSerializer serializer, ILoggerFactory loggers)
    {
        _services = services;
        Catalog = catalog;
        Options = options;
        Time = time;
        Store = store;
        Serializer = serializer;
        _logger = Logger = loggers.CreateLogger("Ates.Runtime.Grains");
    }

    public GrainCatalog Catalog { get; }
    public RuntimeOptions Options { get; }
    public TimeProvider Time { get; }
    public IAtesStore Store { get; }
    public IEventSerializer Serializer { get; }
    public ILogger Logger { get; }

    /// <summary>Raised after a grain registers or removes a reminder, so this silo's reminder service looks again.</summary>
    public event Action? RemindersChanged;

    public int ActivationCount => _activations.Count;

    public bool IsActive(GrainId id) => _activations.TryGetValue(id, out var activation) && activation.State == ActivationState.Active;

    public TGrain GetGrain<TGrain>(Guid key) where TGrain : IGrainWithGuidKey
    {
        var grainClass = Catalog.ForInterface(typeof(TGrain));
        return (TGrain)CreateReference(typeof(TGrain), grainClass, GrainId.Create(grainClass.TypeName, key));
    }

    public TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey
    {
        var grainClass = Catalog.ForInterface(typeof(TGrain));
        return (TGrain)CreateReference(typeof(TGrain), grainClass, new GrainId(grainClass.TypeName, key));
    }

    /// <summary>A reference through any grain interface the class implements, e.g. IRemindable or IEventConsumer.</summary>
    public TInterface GetGrain<TInterface>(GrainId id) where TInterface : IGrain =>
        (TInterface)CreateReference(typeof(TInterface), Catalog.ForTypeName(id.Type), id);

    private object CreateReference(Type grainInterface, GrainClass grainClass, GrainId id)
    {
        var reference = DispatchProxy.Create(grainInterface, typeof(GrainReference));
        ((GrainReference)reference).Bind(this, grainClass, id);
        return reference;
    }

    public void Start()
    {
        _collector = Time.CreateTimer(_ => CollectIdle(), null, Options.CollectionQuantum, Options.CollectionQuantum);
    }

    internal Task<T> InvokeAsync<T>(GrainReference reference, GrainMethod<T> method, object?[]? args)
    {
        if (_stopped) return Task.FromException<T>(new InvalidOperationException("This silo has stopped; it takes no more grain calls."));
        var call = InvokeCoreAsync(reference, method, args);
        return call.IsCompleted ? call : WithTimeout(call, reference.Id, method);
    }

    private async Task<T> InvokeCoreAsync<T>(GrainReference reference, GrainMethod<T> method, object?[]? args)
    {
        var tracksArrival = reference.Class.IsJournaled;
        var arrived = tracksArrival ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        while (true)
        {
            var activation = reference.Cached;
            if (activation is null || !activation.IsUsable)
            {
                activation = reference.Cached = _activations.GetOrAdd(reference.Id,
                    static (id, state) => new Activation(state.Runtime, state.Class, id), (Runtime: this, reference.Class));
            }

            if (activation.State == ActivationState.Created) await activation.EnsureActivatedAsync().ConfigureAwait(false);

            await activation.Gate.EnterAsync(method.ReadOnly).ConfigureAwait(false);
            if (activation.State != ActivationState.Active)
            {
                // Deactivated while we waited for the turn: the call has not run, so it goes to a fresh activation.
                activation.Gate.Exit(method.ReadOnly);
                reference.Cached = null;
                continue;
            }

            var writeTurn = tracksArrival && !method.ReadOnly;
            if (writeTurn) activation.Instance!.WriteTurnArrivedAt = arrived;
            try
            {
                return await method.Call(activation.Instance!, args).ConfigureAwait(false);
            }
            finally
            {
                if (writeTurn) activation.Instance!.WriteTurnArrivedAt = long.MaxValue;
                activation.Touched = true;
                activation.Gate.Exit(method.ReadOnly);
                if (activation.DeactivateWhenIdle) Track(DeactivateAsync(activation, DeactivationReason.Requested, gateHeld: false));
            }
        }
    }

    private async Task<T> WithTimeout<T>(Task<T> call, GrainId id, GrainMethod method)
    {
        try
        {
            return await call.WaitAsync(Options.CallTimeout, Time).ConfigureAwait(false);
        }
        catch (TimeoutException) when (!call.IsCompleted)
        {
            throw new TimeoutException($"{method.Name} on {id} did not complete within {Options.CallTimeout}.");
        }
    }

    internal async Task ActivateAsync(Activation activation)
    {
        await activation.Gate.EnterAsync(readOnly: false).ConfigureAwait(false);
        try
        {
            Grain.Constructing = activation;
            try
            {
                activation.Instance = (Grain)activation.Class.Factory(_services, null);
            }
            finally
            {
                Grain.Constructing = null;
            }

            using var timeout = new CancellationTokenSource(Options.CallTimeout, Time);
            await activation.Instance.LoadStateAsync(timeout.Token).ConfigureAwait(false);
            await activation.Instance.OnActivateAsync(timeout.Token).ConfigureAwait(false);
            activation.IdleSince = Time.GetUtcNow();
            activation.State = ActivationState.Active;
        }
        catch (Exception ex)
        {
            // A failed activation is dropped; the caller sees why, and the next call tries a fresh one.
            _logger.LogWarning(ex, "Activation of {Grain} failed", activation.Id);
            activation.State = ActivationState.Deactivated;
            _activations.TryRemove(new KeyValuePair<GrainId, Activation>(activation.Id, activation));
            throw;
        }
        finally
        {
            activation.Gate.Exit(readOnly: false);
        }
    }

    internal async Task DeactivateAsync(Activation activation, DeactivationReason reason, bool gateHeld)
    {
        if (!gateHeld)
        {
            var turn = activation.Gate.EnterAsync(readOnly: false).AsTask();
            try
            {
                // A call that never finishes must not hold shutdown hostage.
                await turn.WaitAsync(Options.CallTimeout, Time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                _logger.LogWarning("{Grain} was still busy after {Timeout}; dropped without OnDeactivateAsync", activation.Id, Options.CallTimeout);
                activation.State = ActivationState.Deactivated;
                _activations.TryRemove(new KeyValuePair<GrainId, Activation>(activation.Id, activation));
                return;
            }
        }
        try
        {
            if (activation.State != ActivationState.Active) return;
            activation.State = ActivationState.Deactivating;
            try
            {
                using var timeout = new CancellationTokenSource(Options.CallTimeout, Time);
                await activation.Instance!.OnDeactivateAsync(reason, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "OnDeactivateAsync of {Grain} failed", activation.Id);
            }
        }
        finally
        {
            activation.State = ActivationState.Deactivated;
            _activations.TryRemove(new KeyValuePair<GrainId, Activation>(activation.Id, activation));
            activation.Gate.Exit(readOnly: false);
        }
    }

    /// <summary>One collection pass: activations untouched for their age limit, and not busy, are deactivated.</summary>
    internal void CollectIdle()
    {
        var now = Time.GetUtcNow();
        foreach (var activation in _activations.Values)
        {
            if (activation.State != ActivationState.Active) continue;
            if (activation.Touched)
            {
                activation.Touched = false;
                activation.IdleSince = now;
                continue;
            }
            if (now - activation.IdleSince >= activation.Class.CollectionAge && activation.Gate.TryEnterExclusive())
            {
                Track(DeactivateAsync(activation, DeactivationReason.Idle, gateHeld: true));
            }
        }
    }

    internal void OnRemindersChanged() => RemindersChanged?.Invoke();

    private void Track(Task task)
    {
        if (task.IsCompleted) return;
        _deactivations.TryAdd(task, true);
        task.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, bool>)state!).TryRemove(t, out _),
            _deactivations, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Graceful shutdown: refuse new calls, let running turns finish, deactivate everything.</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        _collector?.Dispose();
        await Task.WhenAll(_deactivations.Keys).ConfigureAwait(false);
        await Task.WhenAll(_activations.Values.Select(a => DeactivateAsync(a, DeactivationReason.Shutdown, gateHeld: false))).ConfigureAwait(false);
    }

    /// <summary>Abrupt stop: no OnDeactivateAsync, nothing flushed; activations are simply dropped.</summary>
    public void Kill()
    {
        _stopped = true;
        _collector?.Dispose();
        _activations.Clear();
    }
}
