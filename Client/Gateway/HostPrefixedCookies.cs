using Microsoft.AspNetCore.Authentication.Cookies;

namespace Ates.Client.Gateway;

/// <summary>
/// The sign-in cookie over HTTPS (as the client sent it, through a known proxy too) is Secure and named
/// <c>__Host-ates.auth</c>: a browser then takes it only from this host, over HTTPS, for the whole site, and no sibling
/// subdomain can set or shadow it. Browsers refuse that prefix without Secure, so a plain-HTTP local run keeps the plain
/// name.
/// </summary>
internal sealed class HostPrefixedCookies : ICookieManager
{
    private const string HostPrefix = "__Host-";
    private readonly ChunkingCookieManager _cookies = new();

    private static string Named(HttpContext context, string key) => context.Request.IsHttps ? HostPrefix + key : key;

    private static CookieOptions Hardened(HttpContext context, CookieOptions options)
    {
        if (!context.Request.IsHttps) return options;
        options.Secure = true;
        options.Path = "/";
        options.Domain = null;
        return options;
    }

    public string? GetRequestCookie(HttpContext context, string key) => _cookies.GetRequestCookie(context, Named(context, key));

    public void AppendResponseCookie(HttpContext context, string key, string? value, CookieOptions options) =>
        _cookies.AppendResponseCookie(context, Named(context, key), value, Hardened(context, options));

    public void DeleteCookie(HttpContext context, string key, CookieOptions options) =>
        _cookies.DeleteCookie(context, Named(context, key), Hardened(context, options));
}
