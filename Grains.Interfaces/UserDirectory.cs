using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Ates.Grains.Interfaces;

/// <summary>
/// A process that keeps what the user registry said hears from it when a user changes.
/// </summary>
[Alias("ates.user-directory-watcher")]
public interface IUserDirectoryWatcher : IGrainObserver
{
    /// <summary>The user's role, password or disabled flag changed, or one of their sessions ended: forget what is kept of them.</summary>
    Task UserChanged(Guid userId);

    /// <summary>Someone became or stopped being assignable (a registration, a role change, a disabled user).</summary>
    Task AssignableChanged();
}

/// <summary>
/// The user registry as this process (silo or frontend) sees it, so that a request's session check and a task's
/// assignee draw are not each a call to the one registry grain of the cluster. What is kept here is dropped the moment
/// the registry confirms a change that touches it: the registry tells every watching process before it answers (a
/// logout, a disabled user, a role change — so rule 10 and "logged out is logged out on every silo" hold). As a
/// backstop against a lost word (a registry that moved to another silo and has not heard from this process yet),
/// nothing is kept longer than <see cref="Freshness"/>.
/// </summary>
public sealed class UserDirectory(IGrainFactory grains, TimeProvider time, ILogger<UserDirectory> logger) : IUserDirectoryWatcher, IAsyncDisposable
{
    /// <summary>Longest anything is kept without word from the registry.</summary>
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    /// <summary>How often this process tells the registry it is still watching (the registry forgets a watcher after 30 s).</summary>
    public static readonly TimeSpan RewatchEvery = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<(Guid User, Guid Session), (UserDto User, long At)> _sessions = new();
    private readonly Lock _sync = new();
    private (Task<IReadOnlyList<Guid>> Ids, long At)? _assignable;
    private IUserDirectoryWatcher? _reference;
    private Task? _watching;
    private readonly CancellationTokenSource _stop = new();
    // Counts the registry's words: an answer asked for before a word came may be stale, so it is used but not kept.
    private long _changes;
    // Whether the registry has taken this process's watch: until it has, nothing is kept (it would not tell us).
    private volatile bool _watched;

    private IUserRegistryGrain Registry => grains.GetGrain<IUserRegistryGrain>(Singletons.Key);

    /// <summary>The user of a live session (not ended, not expired, user not disabled); null otherwise.</summary>
    public async ValueTask<UserDto?> SessionAsync(Guid userId, Guid sessionId)
    {
        EnsureWatching();
        if (_sessions.TryGetValue((userId, sessionId), out var kept) && time.GetElapsedTime(kept.At) < Freshness) return kept.User;
        var asked = time.GetTimestamp();
        var changes = Interlocked.Read(ref _changes);
        var user = await Registry.GetSession(userId, sessionId);
        // An ended session is never kept: a new sign-in is a new session id, so there is nothing to gain.
        if (user is not null && _watched && Interlocked.Read(ref _changes) == changes) _sessions[(userId, sessionId)] = (user, asked);
        else _sessions.TryRemove((userId, sessionId), out _);
        return user;
    }

    /// <summary>Users who may be given tasks now (every role but admin and manager, not disabled).</summary>
    public Task<IReadOnlyList<Guid>> AssignableAsync()
    {
        EnsureWatching();
        lock (_sync)
        {
            if (_assignable is { } kept && time.GetElapsedTime(kept.At) < Freshness && !kept.Ids.IsFaulted) return kept.Ids;
            var ids = Registry.AssignableUserIds();
            _assignable = _watched ? (ids, time.GetTimestamp()) : null;
            return ids;
        }
    }

    public Task UserChanged(Guid userId)
    {
        Interlocked.Increment(ref _changes);
        foreach (var key in _sessions.Keys)
        {
            if (key.User == userId) _sessions.TryRemove(key, out _);
        }
        return Task.CompletedTask;
    }

    public Task AssignableChanged()
    {
        lock (_sync) _assignable = null;
        return Task.CompletedTask;
    }

    private void EnsureWatching()
    {
        if (_watching is not null) return;
        lock (_sync)
        {
            if (_watching is not null) return;
            // Off any grain's context (a task grain may be the first to ask): Orleans makes observer references outside grains only.
            using (ExecutionContext.SuppressFlow())
            {
                _watching = Task.Run(async () =>
                {
                    _reference = grains.CreateObjectReference<IUserDirectoryWatcher>(this);
                    await WatchAsync(_reference);
                });
            }
        }
    }

    /// <summary>Tells the registry this process watches, now and every few seconds (a new registry activation learns it so).</summary>
    private async Task WatchAsync(IUserDirectoryWatcher reference)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Registry.Watch(reference);
                _watched = true;
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested)
            {
                // Until the registry hears from us again, what is kept lapses after a second anyway.
                logger.LogDebug(ex, "The user registry did not take this process's watch; trying again shortly");
            }
            try
            {
                await Task.Delay(RewatchEvery, time, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_reference is not null) grains.DeleteObjectReference<IUserDirectoryWatcher>(_reference);
    }
}
