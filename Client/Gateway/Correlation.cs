using System.Security.Claims;
using Ates.Journal;

namespace Ates.Client.Gateway;

/// <summary>
/// Every request gets a correlation id (the caller's X-Correlation-Id when it is sane, else a new one), returned on the
/// response, set on Orleans' request context (grain calls carry it, so every event the request causes stores it) and
/// on every log line.
/// </summary>
public static class Correlation
{
    public const string Header = "X-Correlation-Id";

    public static IApplicationBuilder UseCorrelation(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var incoming = context.Request.Headers[Header].ToString();
        var id = IsSane(incoming) ? incoming : Guid.CreateVersion7().ToString();
        context.TraceIdentifier = id;
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[Header] = id;
            return Task.CompletedTask;
        });
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Ates.Gateway");
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["CorrelationId"] = id });
        using var request = CallContext.Begin(id);
        await next(context);
    });

    /// <summary>Runs after authentication: the actor joins the correlation on the request context.</summary>
    public static IApplicationBuilder UseActor(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var actor = context.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (actor is null)
        {
            await next(context);
            return;
        }
        using var request = CallContext.Begin(context.TraceIdentifier, actorUserId: actor);
        await next(context);
    });

    private static bool IsSane(string value) =>
        value.Length is > 0 and <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}
