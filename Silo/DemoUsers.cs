using Ates.Grains.Interfaces;
using Ates.Runtime;
using Ates.Silo.Gateway;
using Microsoft.AspNetCore.Identity;

namespace Ates.Silo;

/// <summary>API.md's demo users (email = role@ates.local or workerN@ates.local, password = the name before the @).</summary>
public static class DemoUsers
{
    public static readonly IReadOnlyList<(string Name, string Role)> All =
    [
        ("admin", Roles.Admin), ("manager", Roles.Manager), ("accountant", Roles.Accountant),
        ("worker0", Roles.Worker), ("worker1", Roles.Worker), ("worker2", Roles.Worker),
    ];

    public static async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var registry = services.GetRequiredService<IGrainFactory>().GetGrain<IUserRegistryGrain>(Singletons.Key);
        var hasher = services.GetRequiredService<IPasswordHasher<AtesUser>>();
        foreach (var (name, role) in All)
        {
            var email = $"{name}@ates.local";
            if (await registry.FindByEmail(email) is not null) continue;
            try
            {
                await registry.Register(email, char.ToUpperInvariant(name[0]) + name[1..], role, hasher.HashPassword(new AtesUser(), name));
            }
            catch (DomainException ex) when (ex.Error == DomainError.Conflict)
            {
                // Another silo seeded it first.
            }
        }
    }
}
