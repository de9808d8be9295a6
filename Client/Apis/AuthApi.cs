using Ates.Grains.Interfaces;
using Ates.Client.Gateway;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Ates.Client.Apis;

public sealed record Credentials(string? Email, string? Password);

public sealed record Me(Guid Id, string Email, string Name, string Role);

/// <summary>The token response, and nothing else: there are no refresh tokens; a client signs in again.</summary>
public sealed record TokenResponse(string AccessToken, string TokenType, long ExpiresIn);

public sealed record PasswordChange(string? CurrentPassword, string? NewPassword);

public static class AuthApi
{
    /// <summary>Longest password sign-in checks (hashing is deliberately slow; longer input is refused unhashed).</summary>
    public const int MaxPassword = 1024;

    public const int MinPassword = 8;

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/login", async (Credentials credentials, HttpContext context) =>
        {
            var signedIn = await SignIn.AttemptAsync(credentials.Email, credentials.Password, MaxPassword, context, Auth.CookieScheme);
            if (signedIn.Refusal is { } refusal) return refusal;
            await context.SignInAsync(Auth.CookieScheme, signedIn.Principal!);
            return Results.Ok(ToMe(signedIn.User!));
        }).RequireRateLimiting(Auth.SignInLimit)
          .Produces<Me>().ProducesProblem(401).ProducesProblem(429);

        auth.MapPost("/token", async (Credentials credentials, HttpContext context, IOptionsMonitor<BearerTokenOptions> bearer) =>
        {
            var signedIn = await SignIn.AttemptAsync(credentials.Email, credentials.Password, MaxPassword, context, Auth.BearerScheme);
            if (signedIn.Refusal is { } refusal) return refusal;
            var options = bearer.Get(Auth.BearerScheme);
            var now = options.TimeProvider?.GetUtcNow() ?? DateTimeOffset.UtcNow;
            var ticket = new AuthenticationTicket(signedIn.Principal!, new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + options.BearerTokenExpiration }, Auth.BearerScheme);
            return Results.Ok(new TokenResponse(options.BearerTokenProtector.Protect(ticket), "Bearer", (long)options.BearerTokenExpiration.TotalSeconds));
        }).RequireRateLimiting(Auth.SignInLimit)
          .Produces<TokenResponse>().ProducesProblem(401).ProducesProblem(429);

        // The session ends in the registry, so the cookie or token that signed out is refused on every silo from now on.
        auth.MapPost("/logout", async (HttpContext context, IGrainFactory grains) =>
        {
            if (Auth.SessionOf(context.User) is { } session) await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).EndSession(session.UserId, session.SessionId);
            if (context.User.Identity?.AuthenticationType == Auth.CookieScheme) await context.SignOutAsync(Auth.CookieScheme);
            return Results.NoContent();
        }).RequireUser().Produces(204);

        app.MapGet("/api/me", (HttpContext context) => ToMe(context.Me())).RequireUser().WithTags("Auth");

        app.MapPost("/api/me/password", async (PasswordChange body, HttpContext context, IGrainFactory grains, IPasswordHasher<AtesUser> hasher) =>
        {
            var me = context.Me();
            var registry = grains.GetGrain<IUserRegistryGrain>(Singletons.Key);
            var errors = new Dictionary<string, string[]>();
            var stored = await registry.FindByEmail(me.Email);
            if (string.IsNullOrEmpty(body.CurrentPassword) || body.CurrentPassword.Length > MaxPassword || stored is null
                || hasher.VerifyHashedPassword(new AtesUser(), stored.PasswordHash, body.CurrentPassword) == PasswordVerificationResult.Failed)
                errors["currentPassword"] = ["The current password is wrong."];
            if (body.NewPassword is null || body.NewPassword.Length < MinPassword) errors["newPassword"] = [$"The new password is at least {MinPassword} characters."];
            else if (body.NewPassword.Length > MaxPassword) errors["newPassword"] = [$"The new password is at most {MaxPassword} characters."];
            if (errors.Count > 0) throw new DomainException(DomainError.Invalid, "The password was not changed.", errors);
            // Every other session of this user ends: a stolen cookie or token stops working with the old password.
            await registry.ChangePassword(me.Id, hasher.HashPassword(new AtesUser(), body.NewPassword!), Auth.SessionOf(context.User)?.SessionId);
            return Results.NoContent();
        }).RequireUser().RequireRateLimiting(Auth.SignInLimit) // each try runs the slow hash, like a sign-in
          .WithTags("Auth").Produces(204).ProducesValidationProblem().ProducesProblem(429);
        return app;
    }

    public static Me ToMe(UserDto user) => new(user.Id, user.Email, user.Name, user.Role);
}
