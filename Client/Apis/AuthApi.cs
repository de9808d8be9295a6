using Ates.Grains.Interfaces;
using Ates.Client.Gateway;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;

namespace Ates.Client.Apis;

public sealed record Credentials(string? Email, string? Password);

public sealed record Me(Guid Id, string Email, string Name, string Role);

public static class AuthApi
{
    /// <summary>Longest password sign-in checks (hashing is deliberately slow; longer input is refused unhashed).</summary>
    public const int MaxPassword = 1024;

    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Auth");
        auth.MapPost("/login", async (Credentials credentials, HttpContext context) =>
        {
            var user = await VerifyAsync(credentials, context);
            if (user is null) return Errors.Problem(401, "Wrong email or password.");
            await context.SignInAsync(Auth.CookieScheme, Auth.PrincipalOf(user, Auth.CookieScheme));
            return Results.Ok(ToMe(user));
        }).RequireRateLimiting(Auth.SignInLimit);

        auth.MapPost("/token", async (Credentials credentials, HttpContext context) =>
        {
            var user = await VerifyAsync(credentials, context);
            // SignIn on the bearer scheme writes {tokenType: "Bearer", accessToken, expiresIn, refreshToken}.
            return user is null ? Errors.Problem(401, "Wrong email or password.") : Results.SignIn(Auth.PrincipalOf(user, Auth.BearerScheme), authenticationScheme: Auth.BearerScheme);
        }).RequireRateLimiting(Auth.SignInLimit);

        auth.MapPost("/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync(Auth.CookieScheme);
            return Results.NoContent();
        }).RequireUser();

        app.MapGet("/api/me", (HttpContext context) => ToMe(context.Me())).RequireUser().WithTags("Auth");
        return app;
    }

    public static Me ToMe(UserDto user) => new(user.Id, user.Email, user.Name, user.Role);

    private static async Task<UserDto?> VerifyAsync(Credentials credentials, HttpContext context)
    {
        if (string.IsNullOrWhiteSpace(credentials.Email) || string.IsNullOrEmpty(credentials.Password) || credentials.Email.Length > 320 || credentials.Password.Length > MaxPassword) return null;
        var found = await context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IUserRegistryGrain>(Singletons.Key).FindByEmail(credentials.Email);
        if (found is null) return null;
        var result = context.RequestServices.GetRequiredService<IPasswordHasher<AtesUser>>().VerifyHashedPassword(new AtesUser(), found.PasswordHash, credentials.Password);
        return result == PasswordVerificationResult.Failed ? null : found.User;
    }
}
