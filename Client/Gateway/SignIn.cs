using System.Globalization;
using System.Security.Claims;
using Ates.Grains.Interfaces;
using Microsoft.AspNetCore.Identity;

namespace Ates.Client.Gateway;

/// <summary>
/// Checking a password for /api/auth/login and /token. It takes the same time whoever the email names (a known user, a
/// disabled one, or nobody: a decoy hash is checked then), so the time of the answer does not say who has an account.
/// Each account may fail <see cref="ISignInGuardGrain.MaxFailures"/> times in <see cref="ISignInGuardGrain.Window"/>
/// from any address before it is answered 429; the address limit (Auth.SignInsPerMinute) applies besides. Every
/// failure is logged with the email and address, never the password. A hash made with weaker settings than the
/// hasher's current ones is replaced at a successful sign-in.
/// </summary>
public static class SignIn
{
    public const int MaxEmail = 320;

    public sealed record Outcome(UserDto? User, ClaimsPrincipal? Principal, IResult? Refusal);

    // A hash of nothing anyone knows, made with the same hasher, checked when the email names nobody.
    private static readonly Lazy<string> Decoy = new(() => new PasswordHasher<AtesUser>().HashPassword(new AtesUser(), Guid.NewGuid().ToString()));

    public static async Task<Outcome> AttemptAsync(string? email, string? password, int maxPassword, HttpContext context, string scheme)
    {
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password) || email.Length > MaxEmail || password.Length > maxPassword)
            return Wrong();
        var services = context.RequestServices;
        var grains = services.GetRequiredService<IGrainFactory>();
        var account = email.Trim().ToLowerInvariant();
        var guard = grains.GetGrain<ISignInGuardGrain>(account);
        if (await guard.LockedFor() is { } wait)
        {
            Log(context, account, "the account is locked after too many failures");
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            return new(null, null, Errors.Problem(StatusCodes.Status429TooManyRequests, "Too many failed sign-ins for this account.",
                $"Wait {seconds} seconds and try again, or ask an admin to reset the password."));
        }

        var registry = grains.GetGrain<IUserRegistryGrain>(Singletons.Key);
        var found = await registry.FindByEmail(account);
        var hasher = services.GetRequiredService<IPasswordHasher<AtesUser>>();
        var result = hasher.VerifyHashedPassword(new AtesUser(), found?.PasswordHash ?? Decoy.Value, password);
        var failure = found is null ? "no user has this email"
            : result == PasswordVerificationResult.Failed ? "wrong password"
            : found.User.Disabled ? "the user is disabled"
            : null;
        if (failure is not null)
        {
            await guard.Failed();
            Log(context, account, failure);
            return Wrong();
        }

        if (result == PasswordVerificationResult.SuccessRehashNeeded)
            await registry.RehashPassword(found!.User.Id, found.PasswordHash, hasher.HashPassword(new AtesUser(), password));
        await guard.Succeeded();
        return await registry.StartSession(found!.User.Id) is { } sessionId ? new(found.User, Auth.PrincipalOf(found.User, sessionId, scheme), null) : Wrong();
    }

    private static Outcome Wrong() => new(null, null, Errors.Problem(401, "Wrong email or password.", "Check both, or ask an admin whether your account is disabled."));

    private static void Log(HttpContext context, string email, string reason) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(SignIn))
            .LogWarning("Sign-in failed for {Email} from {Address}: {Reason}", new string(email.Where(c => !char.IsControl(c)).ToArray()),
                context.Connection.RemoteIpAddress, reason);
}
