using System.Net;
using Ates.Client.Hosting;
using Microsoft.AspNetCore.HttpOverrides;

namespace Ates.Client.Gateway;

/// <summary>
/// What the gateway does for browsers and the proxy in front (docs/api.md "Conventions", README "Security"):
/// <list type="bullet">
/// <item>the client's own address and scheme from X-Forwarded-For/-Proto/-Host, believed only from known proxies
/// (loopback, and Ates:KnownProxies: addresses or networks such as 10.0.0.0/8), so the sign-in limit counts clients,
/// not the proxy, and a cookie knows it travels over HTTPS;</item>
/// <item>a state-changing request that another site started (Origin or Sec-Fetch-Site) is refused: SameSite=Strict
/// does not cover a sibling subdomain, which browsers count as the same site;</item>
/// <item>headers on every response: nosniff, no referrer, not framed, not cached for the API, HSTS over HTTPS, and a
/// content policy on pages (the web client sets its own stricter one).</item>
/// </list>
/// </summary>
public static class BrowserDefenses
{
    /// <summary>Pages served by libraries (Scalar at /docs, the Orleans Dashboard) with their inline scripts and styles, from this origin only.</summary>
    private const string LibraryPagePolicy =
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

    /// <summary>API answers are data, never a page: nothing may run or load in them.</summary>
    private const string DataPolicy = "default-src 'none'; frame-ancestors 'none'";

    public static IServiceCollection AddBrowserDefenses(this IServiceCollection services, AtesSettings settings)
    {
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            // Loopback stays known (the defaults); every proxy the operator names is added.
            foreach (var proxy in settings.KnownProxies.Where(p => !string.IsNullOrWhiteSpace(p)))
            {
                if (proxy.Contains('/')) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(proxy.Trim()));
                else if (IPAddress.TryParse(proxy.Trim(), out var address)) o.KnownProxies.Add(address);
                else throw new InvalidOperationException($"Ates:KnownProxies '{proxy}' is neither an address (10.0.0.5) nor a network (10.0.0.0/8).");
            }
        });
        return services;
    }

    /// <remarks>After <c>UseForwardedHeaders</c>, so the request's scheme and host are the client's.</remarks>
    public static WebApplication UseBrowserDefenses(this WebApplication app)
    {
        app.Use(DefendAsync);
        return app;
    }

    private static Task DefendAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        context.Response.OnStarting(SetHeaders, context); // static, with the context as state: no closure per request
        if (ChangesState(request.Method) && FromAnotherSite(request) is { } site)
            return Errors.WriteProblemAsync(context, StatusCodes.Status403Forbidden, "Refused: this request came from another site.",
                $"It says it was sent by {site}. Ates accepts changes only from its own pages and from clients that are not browsers.");
        return next(context);
    }

    private static Task SetHeaders(object state)
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        if (context.Request.IsHttps) headers.StrictTransportSecurity = "max-age=31536000";
        if (context.Request.Path.StartsWithSegments("/api") && !headers.ContainsKey("Cache-Control")) headers.CacheControl = "no-store";
        if (!headers.ContainsKey("Content-Security-Policy"))
            headers.ContentSecurityPolicy = context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true ? LibraryPagePolicy : DataPolicy;
        return Task.CompletedTask;
    }

    private static bool ChangesState(string method) => !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));

    /// <summary>The other site a browser says started the request; null when it is this origin, or no browser says.</summary>
    internal static string? FromAnotherSite(HttpRequest request)
    {
        var fetchSite = request.Headers["Sec-Fetch-Site"].ToString();
        if (fetchSite is "cross-site" or "same-site") return $"a page of another site (Sec-Fetch-Site: {fetchSite})";
        // The browser's own word that the page is of this origin (or that a person typed it): a proxy that rewrote the
        // Host header cannot make that wrong, as it can the comparison below.
        if (fetchSite is "same-origin" or "none") return null;
        var origin = request.Headers.Origin.ToString();
        if (origin.Length == 0) return null;
        var own = $"{request.Scheme}://{request.Host}";
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase) ? null : origin;
    }
}
