using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Demand.Functions.Merchants;

/// <summary>
/// Bounds every HTTP function's request body at <see cref="MaxBodyBytes"/>, chunked bodies included (they carry no
/// Content-Length for a handler to check), and turns the server's refusal of a body — over the limit, or a broken
/// chunked encoding — into a ProblemDetails answer with the server's status (413, 400) instead of a 500.
/// </summary>
public sealed class RequestBodyMiddleware : IFunctionsWorkerMiddleware
{
    /// <summary>The largest body any route takes (a mapping with its sample, <c>PUT …/mapping</c>); routes check their own, smaller limits.</summary>
    public const long MaxBodyBytes = 4L << 20;

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext();
        if (http is null)
        {
            await next(context);
            return;
        }

        // Declared too large: refused before a byte is read (the key is not checked first; nothing but the size is revealed).
        if (http.Request.ContentLength > MaxBodyBytes)
        {
            context.GetInvocationResult().Value = TypedResults.Problem(title: "Body too large", detail: $"Send at most {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
            return;
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit && (limit.MaxRequestBodySize is null || limit.MaxRequestBodySize > MaxBodyBytes))
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        try
        {
            await next(context);
        }
        catch (BadHttpRequestException ex) when (!http.Response.HasStarted)
        {
            context.GetInvocationResult().Value = ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TypedResults.Problem(title: "Body too large", detail: $"Send at most {MaxBodyBytes} bytes.", statusCode: ex.StatusCode)
                : TypedResults.Problem(title: "Unreadable body", detail: "The request body could not be read (" + ex.Message + ").", statusCode: ex.StatusCode);
        }
    }
}
