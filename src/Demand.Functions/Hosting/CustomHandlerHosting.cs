using System.Net;
using Demand.Hosting.Envelope;
using Microsoft.AspNetCore.Http.Features;

namespace Demand.Functions.Hosting;

/// <summary>How the Functions host reaches this process (custom-handler-contract.md, "Process start").</summary>
public static class CustomHandlerHosting
{
    /// <summary>Trigger bodies: a 100 MB log part is ~134 MB as base64 plus the envelope. The cap is 256 MiB.</summary>
    public const long MaxTriggerBodyBytes = 256L * 1024 * 1024;

    /// <summary>API bodies (≤ 500 real-time events) stay small.</summary>
    public const long MaxApiBodyBytes = 1024 * 1024;

    public static WebApplicationBuilder AddCustomHandlerHosting(this WebApplicationBuilder builder)
    {
        // Request-start lines carry the full URL, and the host passes function keys as ?code=: keep them out of logs.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);

        var port = builder.Configuration["FUNCTIONS_CUSTOMHANDLER_PORT"] ?? builder.Configuration["FUNCTIONS_HTTPWORKER_PORT"];
        if (port is not null)
        {
            // The host calls us on loopback only; never bind a public interface.
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(IPAddress.Loopback, int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
                k.Limits.MaxRequestBodySize = MaxApiBodyBytes;
            });
        }
        else
        {
            builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxApiBodyBytes);
        }

        return builder;
    }

    /// <summary>Readiness: the host polls <c>GET /</c> until any response.</summary>
    public static IEndpointRouteBuilder MapCustomHandlerReadiness(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => TypedResults.Ok(new { status = "ready" })).ExcludeFromDescription();
        return app;
    }

    /// <summary>
    /// Maps a non-HTTP function at <c>POST /{functionName}</c>: decodes the envelope, runs the handler and
    /// encodes its outputs. Any exception answers 500, which fails the invocation so the host retries it
    /// (queue: up to maxDequeueCount, then poison), discarding partial outputs.
    /// </summary>
    public static RouteHandlerBuilder MapTrigger(
        this IEndpointRouteBuilder app,
        string functionName,
        Func<InvocationRequest, IServiceProvider, CancellationToken, Task<InvocationResult>> handler)
    {
        return app.MapPost($"/{functionName}", async (HttpContext context) =>
        {
            var bodySize = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (bodySize is { IsReadOnly: false })
            {
                bodySize.MaxRequestBodySize = MaxTriggerBodyBytes;
            }

            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Demand.Functions." + functionName);
            var invocationId = context.Request.Headers["X-Azure-Functions-InvocationId"].ToString();
            using var scope = logger.BeginScope(new Dictionary<string, object> { ["FunctionName"] = functionName, ["InvocationId"] = invocationId });
            InvocationRequest request;
            try
            {
                request = await InvocationRequest.ReadAsync(context.Request.Body, context.Request.ContentLength, context.RequestAborted);
            }
            catch (InvocationFormatException ex)
            {
                logger.LogError(ex, "Invocation of {FunctionName} has a malformed envelope", functionName);
                return Results.Problem(title: "Malformed invocation envelope", detail: ex.Message, statusCode: StatusCodes.Status400BadRequest);
            }

            try
            {
                var result = await handler(request, context.RequestServices, context.RequestAborted);
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "application/json";
                result.WriteTo(context.Response.BodyWriter);
                await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
                return Results.Empty;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !context.RequestAborted.IsCancellationRequested)
            {
                logger.LogError(ex, "Invocation of {FunctionName} failed and will be retried by the host", functionName);
                return Results.Problem(title: $"{functionName} failed", detail: ex.GetType().Name, statusCode: StatusCodes.Status500InternalServerError);
            }
        })
        .ExcludeFromDescription();
    }
}
