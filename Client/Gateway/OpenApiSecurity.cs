using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Ates.Client.Gateway;

/// <summary>
/// Says in the OpenAPI document how to sign in: a bearer token from POST /api/auth/token (or the browser's cookie),
/// required on every /api route but sign-in itself, as the routes really do.
/// </summary>
internal sealed class OpenApiSecurity : IOpenApiDocumentTransformer
{
    private const string Bearer = "bearer";
    private const string Cookie = "cookie";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Ates gateway API";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A token from POST /api/auth/token; it lasts expiresIn seconds and ends at POST /api/auth/logout.",
        };
        document.Components.SecuritySchemes[Cookie] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = "ates.auth",
            Description = "The browser's HttpOnly cookie from POST /api/auth/login.",
        };
        var requirement = new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(Bearer, document)] = [],
        };
        var cookieRequirement = new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(Cookie, document)] = [],
        };
        foreach (var (path, item) in document.Paths)
        {
            if (!path.StartsWith("/api/", StringComparison.Ordinal) || path is "/api/auth/login" or "/api/auth/token" || item.Operations is null) continue;
            foreach (var operation in item.Operations.Values)
            {
                operation.Security = [requirement, cookieRequirement];
                operation.Responses ??= new OpenApiResponses();
                operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Not signed in, or the session has ended." });
            }
        }
        return Task.CompletedTask;
    }
}
