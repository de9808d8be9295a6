using Ates.Grains.Interfaces;
using Ates.Client.Gateway;
using Microsoft.AspNetCore.Identity;

namespace Ates.Silo;

/// <summary>
/// Ates:BootstrapAdmin: the first admin of a fresh store (where no demo users are seeded). Registered at start when no user
/// has the email, so restarts and silos starting at once on one database register it once. The password is never logged.
/// </summary>
public sealed class BootstrapAdmin(string email, string password, string name)
{
    public string Email { get; } = email;

    public async Task EnsureAsync(IServiceProvider services, CancellationToken ct)
    {
        var registry = services.GetRequiredService<IGrainFactory>().GetGrain<IUserRegistryGrain>(Singletons.Key);
        var hasher = services.GetRequiredService<IPasswordHasher<AtesUser>>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<BootstrapAdmin>();
        var created = await DemoUsers.EnsureUserAsync(registry, Email, name, Roles.Admin, () => hasher.HashPassword(new AtesUser(), password), ct);
        if (created)
        {
            logger.LogInformation("Registered the bootstrap admin {Email}", Email);
            return;
        }
        var existing = await registry.FindByEmail(Email);
        if (existing is not null && existing.User.Role != Roles.Admin)
            logger.LogWarning("Bootstrap admin {Email} exists with role {Role}; left as it is", Email, existing.User.Role);
        else
            logger.LogInformation("Bootstrap admin {Email} exists; left as it is", Email);
    }
}
