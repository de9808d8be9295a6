using Ates.Grains.Interfaces;
using Ates.Client.Gateway;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
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

    private const string WrongCredentials = "Wrong email or password, or the account is disabled (the answer does not say which).";

    private const string TooMany = "Too many sign-ins from this address, or too many failures for this account; Retry-After says when to try again.";

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/login", LoginAsync).RequireRateLimiting(Auth.SignInLimit).WithName("SignIn").WithSummary("Sign in with a cookie")
            .WithDescription("For the browser: sets the HttpOnly sign-in cookie.").Refuses(401, WrongCredentials).Refuses(429, TooMany);
        auth.MapPost("/token", TokenAsync).RequireRateLimiting(Auth.SignInLimit).WithName("GetToken").WithSummary("Sign in for a bearer token")
            .WithDescription("For every client but the browser: send the token as Authorization: Bearer. There are no refresh tokens; sign in again.")
            .Refuses(401, WrongCredentials).Refuses(429, TooMany);
        // The session ends in the registry, so the cookie or token that signed out is refused on every silo from now on.
        auth.MapPost("/logout", LogoutAsync).RequireUser().WithName("SignOut").WithSummary("Sign out")
            .WithDescription("Ends this session: its cookie or token is refused on every silo from now on.");

        app.MapGet("/api/me", GetMe).RequireUser().WithTags("Auth").WithName("GetMe").WithSummary("Who I am");
        app.MapPost("/api/me/password", ChangePasswordAsync).RequireUser().RequireRateLimiting(Auth.SignInLimit) // each try runs the slow hash, like a sign-in
            .WithTags("Auth").WithName("ChangeMyPassword").WithSummary("Change my password")
            .WithDescription("Every other session of mine ends: a stolen cookie or token stops working with the old password.");
        return app;
    }

    private static async Task<Results<Ok<Me>, ProblemHttpResult>> LoginAsync(Credentials credentials, HttpContext context)
    {
        var signedIn = await SignIn.AttemptAsync(credentials.Email, credentials.Password, MaxPassword, context, Auth.CookieScheme);
        if (signedIn.Refusal is { } refusal) return refusal;
        await context.SignInAsync(Auth.CookieScheme, signedIn.Principal!);
        return TypedResults.Ok(ToMe(signedIn.User!));
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> TokenAsync(Credentials credentials, HttpContext context, IOptionsMonitor<BearerTokenOptions> bearer)
    {
        var signedIn = await SignIn.AttemptAsync(credentials.Email, credentials.Password, MaxPassword, context, Auth.BearerScheme);
        if (signedIn.Refusal is { } refusal) return refusal;
        var options = bearer.Get(Auth.BearerScheme);
        var now = options.TimeProvider?.GetUtcNow() ?? DateTimeOffset.UtcNow;
        var ticket = new AuthenticationTicket(signedIn.Principal!, new AuthenticationProperties { IssuedUtc = now, ExpiresUtc = now + options.BearerTokenExpiration }, Auth.BearerScheme);
        return TypedResults.Ok(new TokenResponse(options.BearerTokenProtector.Protect(ticket), "Bearer", (long)options.BearerTokenExpiration.TotalSeconds));
    }

    private static async Task<NoContent> LogoutAsync(HttpContext context, IGrainFactory grains)
    {
        if (Auth.SessionOf(context.User) is { } session) await grains.GetGrain<IUserRegistryGrain>(Singletons.Key).EndSession(session.UserId, session.SessionId);
        if (context.User.Identity?.AuthenticationType == Auth.CookieScheme) await context.SignOutAsync(Auth.CookieScheme);
        return TypedResults.NoContent();
    }

    private static Ok<Me> GetMe(HttpContext context) => TypedResults.Ok(ToMe(context.Me()));

    private static async Task<NoContent> ChangePasswordAsync(PasswordChange body, HttpContext context, IGrainFactory grains, IPasswordHasher<AtesUser> hasher)
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
        await registry.ChangePassword(me.Id, hasher.HashPassword(new AtesUser(), body.NewPassword!), Auth.SessionOf(context.User)?.SessionId);
        return TypedResults.NoContent();
    }

    public static Me ToMe(UserDto user) => new(user.Id, user.Email, user.Name, user.Role);
}
