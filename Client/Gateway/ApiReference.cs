using Scalar.AspNetCore;

namespace Ates.Client.Gateway;

/// <summary>
/// The OpenAPI document at /openapi/v1.json and Scalar's reference for people at /docs, served whole from this origin:
/// the package serves its own script bundle; everything that would reach another host (the AI agent, MCP, the
/// hosted fonts, telemetry, the request proxy) or advertise a hosted service (SDK generation, deploy, the vendor's link) is off.
/// </summary>
public static class ApiReference
{
    public const string DocumentRoute = "/openapi/{documentName}.json";

    public static WebApplication MapApiReference(this WebApplication app)
    {
        app.MapOpenApi(DocumentRoute);
        app.MapScalarApiReference("/docs", o => o
            .WithTitle("Ates API")
            .WithOpenApiRoutePattern(DocumentRoute)
            .WithFavicon("/favicon.ico")
            .DisableAgent()
            .DisableMcp()
            .DisableDefaultFonts()
            .DisableTelemetry()
            .HideDeveloperTools()
            .HideClientButton()
            // The sidebar's "Powered by Scalar" link: an advertisement with tracking parameters, not part of our reference.
            .WithCustomCss("a[href*='utm_source=powered-by'] { display: none; }"));
        return app;
    }
}
