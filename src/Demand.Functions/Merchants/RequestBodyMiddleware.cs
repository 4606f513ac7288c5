using Demand.Core.Ingestion;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
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
            context.GetInvocationResult().Value = TooLarge(MaxBodyBytes);
            return;
        }

        // Counted here rather than by the server's own limit: over it, the server would reset the connection instead of
        // draining the rest of the body, and the caller could lose the 413 to that reset.
        http.Request.Body = new LimitedBody(http.Request.Body, MaxBodyBytes);

        try
        {
            await next(context);
        }
        catch (BadHttpRequestException ex) when (!http.Response.HasStarted)
        {
            context.GetInvocationResult().Value = ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? TooLarge(MaxBodyBytes)
                : TypedResults.Problem(title: "Unreadable body", detail: "The request body could not be read (" + ex.Message + ").", statusCode: ex.StatusCode);
        }
    }

    /// <summary>The 413 answer for a body over <paramref name="limit"/> bytes (this middleware's, or a route's own smaller limit).</summary>
    internal static ProblemHttpResult TooLarge(long limit) =>
        TypedResults.Problem(title: "Body too large", detail: $"Send at most {limit} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
}

/// <summary>A request body that fails (as the server's own limit would: a 413 <see cref="BadHttpRequestException"/>) past <c>limit</c> bytes.</summary>
internal sealed class LimitedBody(Stream inner, long limit) : ReadOnlyStream
{
    private long _read;

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    private int Count(int read)
    {
        _read += read;
        return _read > limit ? throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge) : read;
    }
}
