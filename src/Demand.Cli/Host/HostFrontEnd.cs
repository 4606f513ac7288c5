using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Demand.Cli.Host;

/// <summary>
/// The stand-in's public HTTP port (7071 like <c>func start</c>): <c>/api/*</c> is proxied to the handler
/// unchanged (method, path with the /api prefix, query, headers, body), <c>POST /admin/functions/{name}</c>
/// invokes a function on command, <c>GET /admin/host/status</c> reports queues and work in flight.
/// </summary>
public static class HostFrontEnd
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer", "Host",
    };

    public static async Task<WebApplication> StartAsync(LocalFunctionsHost host, int port, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = 32 * 1024 * 1024;
        });
        var app = builder.Build();
        var prefix = "/" + host.Settings.RoutePrefix;
        app.Map(prefix + "/{**path}", (HttpContext context) => ProxyAsync(host, context));
        app.MapPost("/admin/functions/{name}", async (string name, HttpContext context) =>
        {
            var input = await ReadInputAsync(context);
            try
            {
                var ok = await host.InvokeAsync(name, input, context.RequestAborted);
                return ok ? Results.Accepted() : Results.Problem(title: $"{name} failed", statusCode: StatusCodes.Status500InternalServerError);
            }
            catch (KeyNotFoundException)
            {
                return Results.NotFound();
            }
        });
        app.MapGet("/admin/host/status", () => Results.Ok(host.Status()));
        await app.StartAsync(cancellationToken);
        return app;
    }

    private static async Task<string?> ReadInputAsync(HttpContext context)
    {
        if (context.Request.ContentLength is null or 0)
        {
            return null;
        }

        using var doc = await System.Text.Json.JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        return doc.RootElement.TryGetProperty("input", out var input) ? input.ToString() : null;
    }

    private static async Task ProxyAsync(LocalFunctionsHost host, HttpContext context)
    {
        // Forward the request target exactly as received (encoded slashes and dot segments included), like the host.
        var target = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? (context.Request.Path + context.Request.QueryString);
        using var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), new Uri(target, UriKind.Relative));
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(context.Request.Body);
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            if (HopByHop.Contains(name))
            {
                continue;
            }

            if (!request.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        using var response = await host.ForwardAsync(request, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHop.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }

        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
