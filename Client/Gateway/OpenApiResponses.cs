using System.Net.Mime;
using Ates.Grains.Interfaces;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;

namespace Ates.Client.Gateway;

/// <summary>A refusal a route's own handler or grain gives (not the gateway's): its status and when, in words.</summary>
public sealed record Refusal(int Status, string Description);

public static class OpenApiConventions
{
    /// <summary>
    /// Success as JSON (<typeparamref name="T"/>) or as text of <paramref name="contentType"/> (CSV, server-sent events),
    /// which the result types cannot say: a file or a stream carries no schema of its own.
    /// </summary>
    public static RouteHandlerBuilder ProducesText<T>(this RouteHandlerBuilder builder, string contentType, string description) =>
        builder.Produces<T>().WithTextContent(contentType, description);

    /// <summary>Success only as text of <paramref name="contentType"/> (the live feed's server-sent events).</summary>
    public static RouteHandlerBuilder ProducesText(this RouteHandlerBuilder builder, string contentType, string description) =>
        builder.Produces(StatusCodes.Status200OK).WithTextContent(contentType, description);

    private static RouteHandlerBuilder WithTextContent(this RouteHandlerBuilder builder, string contentType, string description) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Responses?.GetValueOrDefault("200") is OpenApiResponse ok)
            {
                ok.Content ??= new Dictionary<string, OpenApiMediaType>();
                ok.Content[contentType] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = description } };
            }
            return Task.CompletedTask;
        });

    /// <summary>Says in the OpenAPI document that the route answers <paramref name="status"/> (problem+json) and when.</summary>
    public static TBuilder Refuses<TBuilder>(this TBuilder builder, int status, string description) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Refusal(status, description));
}

/// <summary>
/// Puts in each operation what the gateway answers besides success, read from the metadata the route itself runs
/// with, so the document cannot drift from the routes: its authorization policy (security, 401, and 403 naming the
/// roles that may), the body it reads (413, 415), its parameters (400 naming each wrong field, 404 for an id that
/// names nothing), its rate limit (429), the cross-site check on changes (403) and the cluster behind every route (503).
/// Every refusal is problem+json.
/// </summary>
internal sealed class OpenApiResponses : IOpenApiOperationTransformer
{
    public const string BearerScheme = "bearer";
    public const string CookieScheme = "cookie";

    public const string AnotherSite = "Refused too when a page of another site sent it (Origin or Sec-Fetch-Site).";

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var policies = metadata.OfType<AuthorizationPolicy>().ToList();
        var signedIn = policies.Count > 0 || metadata.OfType<IAuthorizeData>().Any();
        var roles = Auth.AllowedRoles(policies.SelectMany(p => p.Requirements));
        var readsJson = metadata.OfType<IAcceptsMetadata>().Any(a => a.ContentTypes.Any(t => t.Contains("json", StringComparison.OrdinalIgnoreCase)));
        var hasBody = operation.RequestBody is not null || readsJson;
        // A path parameter that does not fit its route's constraint finds no route (404); any other is bound and may be wrong.
        var hasQueryOrHeader = operation.Parameters?.Any(p => p.In is not ParameterLocation.Path) == true;
        var rateLimited = metadata.OfType<EnableRateLimitingAttribute>().Any();

        // Anonymous operations say so with an empty list, rather than leaving a reader to guess.
        operation.Security = signedIn
            ? [new() { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] }, new() { [new OpenApiSecuritySchemeReference(CookieScheme, context.Document)] = [] }]
            : [];

        var problem = await ComponentAsync(context, typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), cancellationToken);
        var validation = await ComponentAsync(context, typeof(HttpValidationProblemDetails), cancellationToken);
        operation.Responses ??= [];
        if (hasBody || hasQueryOrHeader || operation.Responses.ContainsKey("400"))
            Add(operation, "400", "The request is not valid: `errors` names each wrong field and says what it must be.", validation);
        if (signedIn)
            Add(operation, "401", "Not signed in, or the session has ended (signed out, password changed, account disabled).", problem);
        if (roles is not null)
            Add(operation, "403", Roles.Allowed(roles), problem, replace: true);
        if (context.Description.RelativePath?.Contains('{') == true)
            Add(operation, "404", "Nothing has this id.", problem);
        if (hasBody)
            Add(operation, "413", $"The body is larger than {GatewaySetup.MaxBodyBytes / 1024} KB.", problem);
        if (readsJson)
            Add(operation, "415", "The body is not JSON: send it with Content-Type: application/json.", problem);
        if (rateLimited)
            Add(operation, "429", $"Too many sign-in attempts from this address ({Auth.SignInsPerMinute} a minute); Retry-After says when to try again.", problem, retryAfter: true);
        foreach (var refusal in metadata.OfType<Refusal>())
            Add(operation, refusal.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), refusal.Description, refusal.Status == 400 ? validation : problem, replace: true);
        // BrowserDefenses: a change that a page of another site started is refused, whatever the route.
        if (!HttpMethods.IsGet(context.Description.HttpMethod ?? "GET"))
        {
            if (operation.Responses.TryGetValue("403", out var forbidden) && forbidden is OpenApiResponse refused) refused.Description += " " + AnotherSite;
            else Add(operation, "403", AnotherSite, problem);
        }
        Add(operation, "503", "Part of the cluster or its database is not answering for a moment; Retry-After says when to try again.", problem, retryAfter: true);
    }

    /// <summary>The problem schemas as shared components, whichever operation asks first (the document patches them: OpenApiSecurity).</summary>
    private static async Task<IOpenApiSchema> ComponentAsync(OpenApiOperationTransformerContext context, Type type, CancellationToken cancellationToken)
    {
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(type.Name) != true)
            document.AddComponent(type.Name, await context.GetOrCreateSchemaAsync(type, null, cancellationToken));
        return new OpenApiSchemaReference(type.Name, document);
    }

    /// <summary>Adds a problem response, or gives one the route declared (a bare "Not Found") its words and schema.</summary>
    private static void Add(OpenApiOperation operation, string status, string description, IOpenApiSchema schema, bool replace = false, bool retryAfter = false)
    {
        if (operation.Responses!.TryGetValue(status, out var declared) && declared is OpenApiResponse existing)
        {
            if (replace || existing.Description == ReasonPhrase(status)) existing.Description = description;
            existing.Content ??= new Dictionary<string, OpenApiMediaType>();
            existing.Content.Clear();
            existing.Content[MediaTypeNames.Application.ProblemJson] = new OpenApiMediaType { Schema = schema };
            if (retryAfter) AddRetryAfter(existing);
            return;
        }
        var response = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { [MediaTypeNames.Application.ProblemJson] = new() { Schema = schema } },
        };
        if (retryAfter) AddRetryAfter(response);
        operation.Responses[status] = response;
    }

    private static void AddRetryAfter(OpenApiResponse response)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers["Retry-After"] = new OpenApiHeader
        {
            Description = "Seconds to wait before trying again.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
        };
    }

    private static string ReasonPhrase(string status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(int.Parse(status, System.Globalization.CultureInfo.InvariantCulture));
}
