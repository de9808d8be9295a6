namespace Ates.Runtime.Core;

internal enum ActivationState
{
    Created,
    Active,
    Deactivating,
    Deactivated,
}

/// <summary>One in-memory instance of a grain on this silo, with its turn gate and lifecycle.</summary>
internal sealed class Activation(GrainRuntime runtime, GrainClass grainClass, GrainId id)
{
    private readonly Lock _sync = new();
    private Task? _activating;

    public GrainRuntime Runtime { get; } = runtime;
    public GrainClass Class { get; } = grainClass;
    public GrainId Id { get; } = id;
    public TurnGate Gate { get; } = new();
    public volatile ActivationState State = ActivationState.Created;
    public Grain? Instance;

    /// <summary>Set by every call; the idle collector clears it and measures idleness from when it found it clear.</summary>
    public volatile bool Touched = true;
    public DateTimeOffset IdleSince;
    public volatile bool DeactivateWhenIdle;

    public bool IsUsable => State is ActivationState.Created or ActivationState.Active;

    /// <summary>Runs activation once: construct, load state, OnActivateAsync. Every caller awaits the same task.</summary>
    public Task EnsureActivatedAsync()
    {
        if (State != ActivationState.Created) return Task.CompletedTask;
        lock (_sync)
        {
            return _activating ??= Runtime.ActivateAsync(this);
        }
    }
}
