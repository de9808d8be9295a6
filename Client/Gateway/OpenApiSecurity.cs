using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Ates.Client.Gateway;

/// <summary>
/// The document as a whole: what the API is, how to sign in (a bearer token from POST /api/auth/token, or the
/// browser's cookie; which operations need it is each operation's own, from its route: <see cref="OpenApiResponses"/>),
/// what each tag holds, and the server as this request reached it.
/// </summary>
internal sealed class OpenApiSecurity : IOpenApiDocumentTransformer
{
    private static readonly Dictionary<string, string> Tags = new()
    {
        ["Auth"] = "Signing in and out (a cookie for the browser, a bearer token for every other client), who I am, changing my password.",
        ["Users"] = "The people directory anyone signed in reads, and the admin's user management.",
        ["Tasks"] = "The task board: create, list, read, complete, shuffle.",
        ["Accounting"] = "Accounts, their logs, the days' totals, the audit of the books and the day close.",
        ["Analytics"] = "Management earnings, the negative balances and the most expensive task, for admins.",
        ["Notifications"] = "The signed-in user's inbox.",
        ["Operations"] = "For operators: the event journal, dead letters and the cluster's silos and subscriptions.",
        ["Live"] = "Server-sent events: what changes, as it is committed, filtered to what the caller may see.",
    };

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Ates gateway API";
        document.Info.Description = "The task tracker, accounting and analytics of UberPopug Inc. Every refusal is application/problem+json in plain words; "
            + "each operation lists the statuses it answers. The guide to this API is docs/api.md in the repository.";
        document.Info.License = new OpenApiLicense { Name = "Proprietary: UberPopug Inc's internal system", Identifier = "LicenseRef-Proprietary" };
        // The server as requested, without the trailing slash that would double every path's leading one.
        foreach (var server in document.Servers ?? []) server.Url = server.Url?.TrimEnd('/');
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[OpenApiResponses.BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A token from POST /api/auth/token; it lasts expiresIn seconds and ends at POST /api/auth/logout.",
        };
        document.Components.SecuritySchemes[OpenApiResponses.CookieScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Cookie,
            Name = "ates.auth",
            Description = "The browser's HttpOnly cookie from POST /api/auth/login.",
        };
        foreach (var name in new[] { nameof(Microsoft.AspNetCore.Mvc.ProblemDetails), nameof(HttpValidationProblemDetails) })
            if (document.Components.Schemas?.TryGetValue(name, out var schema) == true && schema is OpenApiSchema problem) DescribeProblem(problem);
        document.Tags ??= new HashSet<OpenApiTag>();
        foreach (var (name, description) in Tags)
        {
            if (document.Tags.FirstOrDefault(t => t.Name == name) is { } tag) tag.Description = description;
            else document.Tags.Add(new OpenApiTag { Name = name, Description = description });
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// A problem as the gateway writes it: RFC 9457's members plus the request's correlationId and traceId. Extensions
    /// are allowed (the strict JSON options that refuse unknown request members made the generated schema say otherwise).
    /// </summary>
    private static void DescribeProblem(OpenApiSchema problem)
    {
        problem.Description = "What went wrong, in words: title says what, detail says why or what to do.";
        problem.AdditionalPropertiesAllowed = true;
        problem.AdditionalProperties = null;
        problem.Properties ??= new Dictionary<string, IOpenApiSchema>();
        problem.Properties["correlationId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's X-Correlation-Id: every log line and event it caused carries it." };
        problem.Properties["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's W3C trace id." };
    }
}
