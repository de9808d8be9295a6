using Microsoft.AspNetCore.Http.HttpResults;
using System.Text.Json;
using Ates.Grains.Interfaces;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;

namespace Ates.Client.Gateway;

/// <summary>Every 4xx/5xx is application/problem+json; domain refusals map to 400/403/404/409 and change nothing.</summary>
public static class Errors
{
    public static IServiceCollection AddGatewayErrors(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions["correlationId"] = context.HttpContext.TraceIdentifier;
            // ASP.NET Core names a type for most statuses but not these; every problem carries one (docs/api.md).
            context.ProblemDetails.Type ??= context.ProblemDetails.Status switch
            {
                413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
                429 => "https://tools.ietf.org/html/rfc6585#section-4",
                503 => "https://tools.ietf.org/html/rfc9110#section-15.6.4",
                _ => null,
            };
        });
        services.AddExceptionHandler<GatewayExceptionHandler>();
        return services;
    }

    public static WebApplication UseGatewayErrors(this WebApplication app)
    {
        app.UseExceptionHandler();
        // Bodies for bare 401/403/404/405/415 (from authentication, routing, content negotiation) as problem details in words.
        app.UseStatusCodePages(context => context.HttpContext.Response.StatusCode switch
        {
            401 => WriteProblemAsync(context.HttpContext, 401, "Sign in first.",
                "This needs a signed-in session: the sign-in cookie, or a bearer token from POST /api/auth/token. The one sent is missing, expired or not valid."),
            403 when Auth.IsPageRequest(context.HttpContext.Request) => WriteDashboardRefusalAsync(context.HttpContext),
            403 => WriteProblemAsync(context.HttpContext, 403, "Forbidden.", "Your role may not do this."),
            404 => WriteProblemAsync(context.HttpContext, 404, "Not found.", "There is nothing at this address; docs/api.md lists the routes."),
            405 => WriteProblemAsync(context.HttpContext, 405, "Method not allowed.", $"This address does not take {context.HttpContext.Request.Method}."),
            415 => WriteProblemAsync(context.HttpContext, 415, "The body must be JSON.", "Send it as JSON, with Content-Type: application/json."),
            _ => WriteProblemAsync(context.HttpContext, context.HttpContext.Response.StatusCode, "The request was not answered."),
        });
        return app;
    }

    /// <summary>A person who is not an admin opening the Orleans Dashboard in a browser: a page in words, still 403, and the way back.</summary>
    private static Task WriteDashboardRefusalAsync(HttpContext context)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync("""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Only for admins · Ates</title><link rel="icon" href="/favicon.ico"><link rel="stylesheet" href="/app.css"></head>
            <body><main class="view card">
            <h1>The cluster dashboard is only for admins</h1>
            <p>You are signed in, but your role may not open the Orleans Dashboard. Ask an admin if you need to see the cluster.</p>
            <p><a href="/">Back to Ates</a></p>
            </main></body>
            </html>
            """);
    }

    /// <summary>Writes a problem response from middleware, where there is no endpoint result to return.</summary>
    public static async Task WriteProblemAsync(HttpContext context, int status, string title, string? detail = null)
    {
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    /// <summary>A refusal as a typed result, for handlers that declare what they return.</summary>
    public static ProblemHttpResult Refuse(int status, string title, string? detail = null) => TypedResults.Problem(detail, statusCode: status, title: title);

    public static IResult Problem(int status, string title, string? detail = null, IDictionary<string, string[]>? errors = null) =>
        errors is null
            ? TypedResults.Problem(detail, statusCode: status, title: title)
            : TypedResults.ValidationProblem(errors, detail, title: title);
}

internal sealed class GatewayExceptionHandler(IProblemDetailsService problems, ILogger<GatewayExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail, errors) = exception switch
        {
            DomainException { Error: DomainError.Invalid } d => (400, "The request is not valid.", d.Message, d.Errors),
            DomainException { Error: DomainError.NotFound } d => (404, "Not found.", d.Message, null),
            DomainException { Error: DomainError.Forbidden } d => (403, "Forbidden.", d.Message, null),
            DomainException { Error: DomainError.Conflict } d => (409, "Conflict.", d.Message, null),
            DomainException { Error: DomainError.Mismatch } d => (422, "This repeats another request.", d.Message, null),
            Ates.Journal.JournalConflictException => (409, "Conflict.", "It changed while this request was decided; try again.", null),
            BadHttpRequestException b => RequestErrors.Explain(b, context),
            JsonException j => RequestErrors.Explain(new BadHttpRequestException(j.Message, 400, j), context),
            // A silo died and is not declared dead yet, or the database is restarting: a moment's outage, not a bug.
            OrleansMessageRejectionException => (503, "Part of the cluster is not answering.",
                "A silo stopped answering while this request was handled; its work moves to the other silos within seconds. Try again in a moment.", null),
            Ates.Journal.JournalUnavailableException => (503, "The database is not answering.", "Try again in a moment.", null),
            TimeoutException => (503, "The request took too long.", "The cluster did not answer in time. Try again in a moment.", null),
            _ => (500, "Something went wrong on our side.", null, null),
        };
        if (status == 413) context.Response.Headers.Connection = "close";
        if (status == 503)
        {
            logger.LogWarning("{Method} {Path} answered 503: {Error}", context.Request.Method, context.Request.Path, exception.Message);
            context.Response.Headers.RetryAfter = "1";
        }
        else if (status >= 500)
        {
            logger.LogError(exception, "Unhandled error");
        }
        context.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail };
        if (errors is not null) problem.Extensions["errors"] = errors;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }
}
