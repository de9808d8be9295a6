using Ates.Grains.Interfaces;
using Ates.Client.Gateway;
using Microsoft.AspNetCore.Identity;

namespace Ates.Silo;

/// <summary>docs/api.md's demo users (email = role@ates.local or workerN@ates.local, password = the name before the @).</summary>
public static class DemoUsers
{
    public static readonly IReadOnlyList<(string Name, string Role)> All =
    [
        ("admin", Roles.Admin), ("manager", Roles.Manager), ("accountant", Roles.Accountant),
        ("worker0", Roles.Worker), ("worker1", Roles.Worker), ("worker2", Roles.Worker),
    ];

    /// <summary>"worker0" → "Worker 0": a name people can tell apart on every screen.</summary>
    public static string DisplayName(string login)
    {
        var digits = login.Length - login.TrimEnd("0123456789".ToCharArray()).Length;
        var word = char.ToUpperInvariant(login[0]) + login[1..^digits];
        return digits == 0 ? word : $"{word} {login[^digits..]}";
    }

    /// <summary>Without demo users, the log says at start where the first admin comes from (or that nobody can sign in yet).</summary>
    public static Task SayWhoSignsInFirst(IServiceProvider services, string? bootstrapAdmin)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DemoUsers));
        if (bootstrapAdmin is not null)
            logger.LogInformation("No demo users outside Development; the first admin is {Email}, from Ates:BootstrapAdmin", bootstrapAdmin);
        else
            logger.LogWarning("No demo users outside Development and no Ates:BootstrapAdmin:Email and :Password: nobody can sign in until an admin exists. " +
                "Set both (or Ates:SeedDemoUsers=true on a machine of your own)");
        return Task.CompletedTask;
    }

    public static async Task SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        var registry = services.GetRequiredService<IGrainFactory>().GetGrain<IUserRegistryGrain>(Singletons.Key);
        var hasher = services.GetRequiredService<IPasswordHasher<AtesUser>>();
        foreach (var (name, role) in All)
        {
            await EnsureUserAsync(registry, $"{name}@ates.local", DisplayName(name), role, () => hasher.HashPassword(new AtesUser(), name), ct);
        }
    }

    /// <summary>
    /// Registers the user unless one has the email; true when this call registered it. Safe when several silos do it at
    /// once: the registry is one grain in the cluster, and should two activations meet during a membership change, its
    /// appends are version-checked and a conflict is decided again on the journal's state, where a duplicate email is a
    /// <see cref="DomainError.Conflict"/>.
    /// </summary>
    internal static async Task<bool> EnsureUserAsync(IUserRegistryGrain registry, string email, string name, string role, Func<string> hashPassword, CancellationToken ct)
    {
        string? hash = null;
        for (var attempt = 1; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            if (await registry.FindByEmail(email) is not null) return false;
            try
            {
                await registry.Register(email, name, role, hash ??= hashPassword());
                return true;
            }
            catch (DomainException ex) when (ex.Error == DomainError.Conflict)
            {
                return false; // Another silo registered it first.
            }
            catch (Ates.Journal.JournalConflictException) when (attempt < 10)
            {
                // Other registrations (other users, from other silos) won both of the registry's attempts; look again.
            }
        }
    }
}
