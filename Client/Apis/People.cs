using Ates.Grains.Interfaces;

namespace Ates.Client.Apis;

/// <summary>Someone as every screen shows them: a name and a role, never just an id.</summary>
public sealed record Person(Guid Id, string Name, string Role);

/// <summary>
/// Names for the ids that tasks and accounts carry, read once per request from the user registry. Names live with the
/// users, not copied into tasks, so every screen shows the name a person has now.
/// </summary>
public sealed class People(IGrainFactory grains)
{
    private Task<Dictionary<Guid, UserDto>>? _all;

    public Task<Dictionary<Guid, UserDto>> AllAsync() => _all ??= LoadAsync();

    public async Task<string> NameOfAsync(Guid id) => NameOf(await AllAsync(), id);

    public static string NameOf(IReadOnlyDictionary<Guid, UserDto> people, Guid id) =>
        people.TryGetValue(id, out var user) ? user.Name : id == Guid.Empty ? "nobody" : "a former user";

    /// <summary>The directory: everyone but disabled users.</summary>
    public async Task<IReadOnlyList<Person>> DirectoryAsync() =>
        (await AllAsync()).Values.Where(u => !u.Disabled).OrderBy(u => u.Name, StringComparer.OrdinalIgnoreCase).Select(u => new Person(u.Id, u.Name, u.Role)).ToList();

    private async Task<Dictionary<Guid, UserDto>> LoadAsync() =>
        (await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).List()).ToDictionary(u => u.Id);
}
