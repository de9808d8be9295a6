using Ates.Grains.Interfaces;

namespace Ates.Grains;

/// <summary>Counts an account's failed sign-ins in memory: a silo that dies forgets them, which errs towards letting people in.</summary>
[GrainType("sign-in-guard")]
[CollectionAgeLimit(Minutes = 20)] // outlives the window it counts
public sealed class SignInGuardGrain(BusinessCalendar calendar) : Grain, ISignInGuardGrain
{
    private readonly Queue<DateTimeOffset> _failures = new();

    public Task<TimeSpan?> LockedFor()
    {
        var now = calendar.Now;
        while (_failures.TryPeek(out var oldest) && oldest + ISignInGuardGrain.Window <= now) _failures.Dequeue();
        return Task.FromResult<TimeSpan?>(_failures.Count >= ISignInGuardGrain.MaxFailures ? _failures.Peek() + ISignInGuardGrain.Window - now : null);
    }

    public Task Failed()
    {
        _failures.Enqueue(calendar.Now);
        while (_failures.Count > ISignInGuardGrain.MaxFailures) _failures.Dequeue();
        return Task.CompletedTask;
    }

    public Task Succeeded()
    {
        _failures.Clear();
        return Task.CompletedTask;
    }
}
