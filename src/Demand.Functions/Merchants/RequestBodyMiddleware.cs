using Microsoft.AspNetCore.Http;
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
                ? TypedResults.Problem(title: "Body too large", detail: $"Send at most {MaxBodyBytes} bytes.", statusCode: ex.StatusCode)
                : TypedResults.Problem(title: "Unreadable body", detail: "The request body could not be read (" + ex.Message + ").", statusCode: ex.StatusCode);
        }
    }
}

/// <summary>A request body that fails (as the server's own limit would: a 413 <see cref="BadHttpRequestException"/>) past <c>limit</c> bytes.</summary>
internal sealed class LimitedBody(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int read)
    {
        _read += read;
        return _read > limit ? throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge) : read;
    }
}
