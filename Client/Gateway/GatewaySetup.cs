using Ates.Client.Apis;
using Ates.Client.Hosting;
using Ates.Grains.Interfaces;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Ates.Client.Gateway;

public static class GatewaySetup
{
    /// <summary>Largest request body the gateway reads; larger ones get 413 before anything is parsed.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// Largest body the gateway reads to the end only to throw it away, so that a client that writes its whole body
    /// before reading the answer (Python's urllib, curl) gets its 413 instead of a reset connection.
    /// </summary>
    public const long MaxDrainedBytes = 8 * 1024 * 1024;

    /// <summary>
    /// The gateway API and the web client, in a silo (by default) or in a separate frontend: the host has registered
    /// an <see cref="IGrainFactory"/>, the journal's readers and a "ready" health check.
    /// </summary>
    public static WebApplicationBuilder AddAtesGateway(this WebApplicationBuilder builder)
    {
        var settings = AtesSettings.Read(builder.Configuration);
        // A silo has its domain's calendar already; a frontend makes its own from the same settings.
        builder.Services.TryAddSingleton(_ => new BusinessCalendar(TimeZoneInfo.FindSystemTimeZoneById(settings.BusinessTimeZone), settings.BusinessClock()));
        builder.Services.AddSingleton<DomainQueries>();
        builder.Services.AddSingleton<People>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<UserDirectory>();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            // Strict bodies: a member the request does not have is a 400 naming it, not silently ignored.
            o.SerializerOptions.UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow;
        });
        builder.Services.AddGatewayErrors();
        builder.Services.AddGatewayAuth();
        builder.Services.AddSharedKeyRing(settings);
        builder.Services.AddBrowserDefenses(settings);
        builder.AddAtesTelemetry();
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer<OpenApiSecurity>().AddOperationTransformer<OpenApiResponses>()
            // Money is decimal: a generated client reads it as decimal, not as a double that rounds cents.
            .AddSchemaTransformer((schema, context, _) =>
            {
                if ((Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type) == typeof(decimal)) schema.Format = "decimal";
                return Task.CompletedTask;
            }));
        // Binding failures (malformed JSON, wrong types, bad query values) reach the exception handler, which says what was wrong.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = MaxDrainedBytes;
            // Long enough that an over-long query parameter reaches the API and is answered in words (q is at most 200
            // characters), instead of Kestrel's bare 414.
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;
            kestrel.AddServerHeader = false; // no product name and version for a scanner to match
        });
        return builder;
    }

    public static WebApplication UseAtesGateway(this WebApplication app)
    {
        app.UseForwardedHeaders(); // first: everything after sees the client's address and scheme
        app.UseCorrelation();
        app.UseBrowserDefenses();
        app.UseGatewayErrors();
        app.UseWebClient();
        app.Use(LimitBodiesAsync);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseActor();
        app.MapApiReference();
        return app;
    }

    /// <summary>413 for a body over <see cref="MaxBodyBytes"/>, after reading what the client sends (up to a cap) so it hears the answer.</summary>
    private static async Task LimitBodiesAsync(HttpContext context, RequestDelegate next)
    {
        var length = context.Request.ContentLength;
        if (length > MaxBodyBytes)
        {
            if (length <= MaxDrainedBytes)
            {
                using var drain = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                drain.CancelAfter(TimeSpan.FromSeconds(10));
                try
                {
                    await context.Request.Body.CopyToAsync(Stream.Null, drain.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or BadHttpRequestException)
                {
                    // The client stopped sending or was too slow; it gets the answer if it still listens.
                }
            }
            await Errors.WriteProblemAsync(context, StatusCodes.Status413PayloadTooLarge, "The request body is too large.",
                $"A request body is at most {MaxBodyBytes / 1024} KB; this one is {length / 1024} KB.");
            return;
        }
        // A body without a declared length (chunked) is cut off on the wire once it passes the limit.
        if (length is null && context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = MaxBodyBytes;
        await next(context);
    }

    /// <summary>Serves the web client (Client/web, copied next to the silo's binaries) with a strict content policy.</summary>
    private static void UseWebClient(this WebApplication app)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "webclient");
        if (!Directory.Exists(root)) return;
        var files = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(root);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                // Stricter than BrowserDefenses' page policy (which adds nosniff and the rest to every answer): our own scripts only.
                headers.ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
                headers.CacheControl = "no-cache";
            },
        });
    }

    /// <summary>/health/live (the process answers) and /health/ready (the host's "ready" checks pass).</summary>
    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in app.Urls) app.Logger.LogInformation("Ates is listening on {Url}", url);
        });
        return app;
    }

    public static WebApplication MapAtesApi(this WebApplication app)
    {
        app.MapAuthApi();
        app.MapUserApi();
        app.MapTaskApi();
        app.MapAccountingApi();
        app.MapAnalyticsApi();
        app.MapOperationsApi();
        app.MapLiveApi(app.Configuration);
        app.MapClusterApi(app.Configuration);
        app.MapMetrics();
        return app;
    }
}
