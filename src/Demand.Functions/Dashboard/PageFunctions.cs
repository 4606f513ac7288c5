using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Net.Http.Headers;

namespace Demand.Functions.Dashboard;

/// <summary>The dashboard page and its static assets, served by the app itself (no CDN, works offline).</summary>
public sealed class PageFunctions(DashboardAssets assets)
{
    [Function(DashboardFunctionNames.Page)]
    public FileContentHttpResult Page([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Page)] HttpRequest request) =>
        PageHandlers.Page(request.HttpContext, assets);

    [Function(DashboardFunctionNames.Asset)]
    public Results<FileContentHttpResult, NotFound> Asset([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Asset)] HttpRequest request, string name) =>
        PageHandlers.Asset(request.HttpContext, name, assets);
}

/// <summary>The handlers behind <see cref="PageFunctions"/>.</summary>
public static class PageHandlers
{
    public const string LanguageCookie = "demand_lang";

    // Scripts and styles only from our own files; uPlot styles its canvas through the CSSOM, which CSP allows.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    public static FileContentHttpResult Page(HttpContext context, DashboardAssets assets)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-cache";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.Vary = "Accept-Encoding, Accept-Language, Cookie";
        return Encoded(context, assets.Page(Language(context.Request)));
    }

    public static Results<FileContentHttpResult, NotFound> Asset(HttpContext context, string name, DashboardAssets assets)
    {
        var asset = assets.Find(name);
        if (asset is null)
        {
            return TypedResults.NotFound();
        }

        // The name changes with the content, so a copy never goes stale.
        context.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.Vary = "Accept-Encoding";
        return Encoded(context, asset);
    }

    /// <summary><c>zh-CN</c> or <c>en</c>: the switch's cookie first, else the browser's Accept-Language order.</summary>
    public static string Language(HttpRequest request)
    {
        if (request.Cookies[LanguageCookie] is { } chosen)
        {
            return chosen.StartsWith("zh", StringComparison.OrdinalIgnoreCase) ? "zh-CN" : "en";
        }

        if (StringWithQualityHeaderValue.TryParseList(request.Headers.AcceptLanguage, out var languages))
        {
            foreach (var language in languages.OrderByDescending(l => l.Quality ?? 1))
            {
                var tag = language.Value.Value ?? "";
                if (tag.StartsWith("zh", StringComparison.OrdinalIgnoreCase))
                {
                    return "zh-CN";
                }

                if (tag.StartsWith("en", StringComparison.OrdinalIgnoreCase))
                {
                    return "en";
                }
            }
        }

        return "en";
    }

    private static FileContentHttpResult Encoded(HttpContext context, DashboardAsset asset)
    {
        var accepted = context.Request.Headers.AcceptEncoding.ToString();
        if (accepted.Contains("br", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers.ContentEncoding = "br";
            return TypedResults.File(asset.Brotli, asset.ContentType);
        }

        if (accepted.Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers.ContentEncoding = "gzip";
            return TypedResults.File(asset.Gzip, asset.ContentType);
        }

        return TypedResults.File(asset.Raw, asset.ContentType);
    }
}
