using Ates.Runtime.Core;

namespace Ates.Runtime;

/// <summary>Base class of every grain. Instances are created by the runtime on first call; constructors may take services.</summary>
public abstract class Grain
{
    [ThreadStatic]
    internal static Activation? Constructing;

    private readonly Activation _activation;

    protected Grain()
    {
        _activation = Constructing
            ?? throw new InvalidOperationException("Grains are created by the runtime; get a reference with IGrainFactory.GetGrain.");
    }

    public GrainId GrainId => _activation.Id;

    /// <summary>
    /// When the call that holds the current write turn arrived (a Stopwatch timestamp); long.MaxValue outside write
    /// turns. A store read that started after it has seen every write acknowledged before the call.
    /// </summary>
    internal long WriteTurnArrivedAt = long.MaxValue;

    protected IGrainFactory GrainFactory => _activation.Runtime;

    internal GrainRuntime Runtime => _activation.Runtime;

    /// <summary>Runs after state is loaded and before the first call.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs on idle collection, on request and on graceful shutdown; never after a crash.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    internal virtual Task LoadStateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Deactivates this activation once the current call has finished.</summary>
    protected void DeactivateOnIdle() => _activation.DeactivateWhenIdle = true;

    /// <summary>Registers (or moves) a durable reminder: it first fires after <paramref name="dueTime"/>, then every <paramref name="period"/>.
    /// A zero period fires once. The grain must implement <see cref="IRemindable"/>.</summary>
    protected async Task RegisterOrUpdateReminder(string name, TimeSpan dueTime, TimeSpan period)
    {
        if (this is not IRemindable) throw new InvalidOperationException($"{GetType().Name} must implement {nameof(IRemindable)} to register reminders.");
        ArgumentOutOfRangeException.ThrowIfLessThan(dueTime, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, TimeSpan.Zero);
        var entry = new ReminderEntry(GrainId, name, Runtime.Time.GetUtcNow() + dueTime, period, Guid.NewGuid());
        await Runtime.Store.UpsertReminderAsync(entry).ConfigureAwait(false);
        Runtime.OnRemindersChanged();
    }

    protected async Task UnregisterReminder(string name)
    {
        await Runtime.Store.RemoveReminderAsync(GrainId, name).ConfigureAwait(false);
        Runtime.OnRemindersChanged();
    }

    protected async Task<IReadOnlyList<ReminderEntry>> GetReminders() =>
        await Runtime.Store.ReadRemindersAsync(GrainId).ConfigureAwait(false);
}

public static class GrainKeyExtensions
{
    public static Guid GetPrimaryKey(this Grain grain) => Guid.ParseExact(grain.GrainId.Key, "N");

    public static string GetPrimaryKeyString(this Grain grain) => grain.GrainId.Key;
}
