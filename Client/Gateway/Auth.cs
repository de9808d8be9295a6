using System.Security.Claims;
using System.Threading.RateLimiting;
using Ates.Grains.Interfaces;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;

namespace Ates.Client.Gateway;

/// <summary>The user type PasswordHasher is keyed on; hashes are versioned PBKDF2.</summary>
public sealed class AtesUser;

/// <summary>
/// Sign-in: an HttpOnly, SameSite=Strict cookie for the browser (a cross-site page cannot send it, so no forged
/// request carries credentials) and bearer tokens for every other client; both work on every /api route. Roles are
/// checked on the server on every request against the user's current role, so a role change applies at once.
/// </summary>
public static class Auth
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string BearerScheme = BearerTokenDefaults.AuthenticationScheme;
    public const string SignInLimit = "sign-in";

    /// <summary>Sign-ins one address may try per minute: enough for an office behind one NAT, too few to guess passwords.</summary>
    public const int SignInsPerMinute = 30;

    /// <summary>The authorization policy of routes that are not minimal-API handlers (the Orleans Dashboard): admin now.</summary>
    public const string AdminPolicy = "admin";
    private const string Either = "cookie-or-bearer";

    public static IServiceCollection AddGatewayAuth(this IServiceCollection services)
    {
        services.AddAuthentication(Either)
            .AddPolicyScheme(Either, "Cookie or bearer token", o => o.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? BearerScheme : CookieScheme)
            .AddCookie(CookieScheme, o =>
            {
                o.Cookie.Name = "ates.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Strict;
                o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                o.CookieManager = new HostPrefixedCookies();
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                // An API answers 401/403; only a browser opening the dashboard is sent to sign in, and back.
                o.Events.OnRedirectToLogin = context =>
                {
                    if (IsPageRequest(context.Request)) context.Response.Redirect("/?return=" + Uri.EscapeDataString(context.Request.Path + context.Request.QueryString));
                    else context.Response.StatusCode = 401;
                    return Task.CompletedTask;
                };
                o.Events.OnRedirectToAccessDenied = context => { context.Response.StatusCode = 403; return Task.CompletedTask; };
            })
            .AddBearerToken(BearerScheme, o => o.BearerTokenExpiration = TimeSpan.FromHours(1));
        services.AddAuthorization(o => o.AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser().AddRequirements(new CurrentRole(Roles.Admin))));
        services.AddSingleton<IAuthorizationHandler, CurrentRoleHandler>();
        services.AddSingleton<IPasswordHasher<AtesUser>, PasswordHasher<AtesUser>>();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = 429;
            o.AddPolicy(SignInLimit, context => RateLimitPartition.GetFixedWindowLimiter(
                context.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = SignInsPerMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            o.OnRejected = (context, _) =>
            {
                // When the window opens again, in whole seconds (a minute when the limiter does not say).
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return new ValueTask(Errors.WriteProblemAsync(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many sign-in attempts.",
                    $"Wait {Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))} seconds and try again."));
            };
        });
        return services;
    }

    /// <summary>A browser navigating to a page (the dashboard), rather than a script or client calling an API.</summary>
    /// <summary>A browser opening a dashboard page (not its scripts' data calls): sent to sign in, or shown a page in words.</summary>
    internal static bool IsPageRequest(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && request.Path.StartsWithSegments("/dashboard") && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    /// <summary>The claim that names the sign-in session; the cookie or token works only while the registry keeps it.</summary>
    public const string SessionClaim = "ates.session";

    public static ClaimsPrincipal PrincipalOf(UserDto user, Guid sessionId, string scheme) => new(new ClaimsIdentity(
    [
        new Claim(ClaimTypes.NameIdentifier, user.Id.ToString()),
        new Claim(ClaimTypes.Email, user.Email),
        new Claim(ClaimTypes.Name, user.Name),
        new Claim(SessionClaim, sessionId.ToString()),
    ], scheme));

    /// <summary>The session the request's cookie or token belongs to.</summary>
    public static (Guid UserId, Guid SessionId)? SessionOf(ClaimsPrincipal principal) =>
        Guid.TryParse(principal.FindFirstValue(ClaimTypes.NameIdentifier), out var userId) && Guid.TryParse(principal.FindFirstValue(SessionClaim), out var sessionId)
            ? (userId, sessionId)
            : null;

    /// <summary>
    /// The signed-in user as the registry knows them now: null if the credentials name nobody, or their session has
    /// ended (logout, password change, disabled user) — on whichever silo or frontend that happened. Asked of this
    /// process's <see cref="UserDirectory"/>, which the registry tells of every such change before it answers it.
    /// </summary>
    public static async Task<UserDto?> CurrentUserAsync(HttpContext context)
    {
        if (context.Items.TryGetValue(typeof(UserDto), out var cached)) return (UserDto?)cached;
        var user = SessionOf(context.User) is { } session
            ? await context.RequestServices.GetRequiredService<UserDirectory>().SessionAsync(session.UserId, session.SessionId)
            : null;
        context.Items[typeof(UserDto)] = user;
        return user;
    }

    public static UserDto Me(this HttpContext context) => (UserDto)context.Items[typeof(UserDto)]!;

    /// <summary>Signed in, known to the registry, and (when roles are given) holding one of them now.</summary>
    public static TBuilder RequireUser<TBuilder>(this TBuilder builder, params string[] roles) where TBuilder : IEndpointConventionBuilder
    {
        builder.RequireAuthorization();
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var user = await CurrentUserAsync(invocation.HttpContext);
            if (user is null) return Errors.Problem(401, "Sign in first.");
            if (roles.Length > 0 && !roles.Contains(user.Role)) return Errors.Problem(403, "Your role may not do this.", Roles.Allowed(roles));
            return await next(invocation);
        });
        return builder;
    }
}

/// <summary>The signed-in user holds one of the roles now (the registry's current role, not the one signed in with).</summary>
public sealed record CurrentRole(params string[] Roles) : IAuthorizationRequirement;

internal sealed class CurrentRoleHandler : AuthorizationHandler<CurrentRole>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, CurrentRole requirement)
    {
        if (context.Resource is not HttpContext http) return;
        var user = await Auth.CurrentUserAsync(http);
        if (user is not null && requirement.Roles.Contains(user.Role)) context.Succeed(requirement);
    }
}
