using Ates.Grains.Interfaces;

namespace Ates.Client.Apis;

/// <summary>Someone as every screen shows them: a name and a role, never just an id.</summary>
public sealed record Person(Guid Id, string Name, string Role);

/// <summary>
/// Names for the ids that tasks and accounts carry. Names live with the users, not copied into tasks, so every screen
/// shows the name a person has now. The registry's list is kept here for a few seconds, so a busy route does not fetch
/// every user per request; an id it does not know yet (someone just registered) loads it again at once.
/// </summary>
public sealed class People(IGrainFactory grains, TimeProvider time)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(5);
    private readonly Lock _sync = new();
    private (DateTimeOffset At, Task<Dictionary<Guid, UserDto>> Users)? _cached;

    /// <summary>Every user by id, including <paramref name="needed"/> if they exist.</summary>
    public async Task<IReadOnlyDictionary<Guid, UserDto>> AllAsync(params IEnumerable<Guid> needed)
    {
        var users = await CachedAsync(reload: false);
        if (needed.Any(id => id != Guid.Empty && !users.ContainsKey(id))) users = await CachedAsync(reload: true);
        return users;
    }

    public static string NameOf(IReadOnlyDictionary<Guid, UserDto> people, Guid id) =>
        people.TryGetValue(id, out var user) ? user.Name : id == Guid.Empty ? "nobody" : "a former user";

    /// <summary>The directory: everyone but disabled users, as the registry has them now.</summary>
    public async Task<IReadOnlyList<Person>> DirectoryAsync() =>
        (await CachedAsync(reload: true)).Values.Where(u => !u.Disabled).OrderBy(u => u.Name, StringComparer.OrdinalIgnoreCase).Select(u => new Person(u.Id, u.Name, u.Role)).ToList();

    private Task<Dictionary<Guid, UserDto>> CachedAsync(bool reload)
    {
        lock (_sync)
        {
            var now = time.GetUtcNow();
            if (!reload && _cached is { } c && now - c.At < Fresh && !c.Users.IsFaulted) return c.Users;
            var load = LoadAsync();
            _cached = (now, load);
            return load;
        }
    }

    private async Task<Dictionary<Guid, UserDto>> LoadAsync() =>
        (await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).List()).ToDictionary(u => u.Id);
}
