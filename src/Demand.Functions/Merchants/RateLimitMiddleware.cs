using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Merchants;

/// <summary>
/// A fixed window of <c>Api:RequestsPerMinutePerKey</c> per verified key, per instance. It runs after
/// <see cref="ApiKeyMiddleware"/>, so forged keys never reach a bucket: nobody can exhaust another merchant's budget
/// by sending its key id with a wrong secret.
/// </summary>
public sealed class RateLimitMiddleware : IFunctionsWorkerMiddleware, IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly int _limit;

    public RateLimitMiddleware(IOptions<ApiOptions> options)
    {
        var limit = _limit = options.Value.RequestsPerMinutePerKey;
        _limiter = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(
            key, _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
    }

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext();
        if (http?.Items[ApiKeyMiddleware.VerifiedKeyItem] is not string key)
        {
            await next(context);
            return;
        }

        using var lease = _limiter.AttemptAcquire(key);
        if (!lease.IsAcquired)
        {
            var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromMinutes(1);
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            context.GetInvocationResult().Value = TypedResults.Problem(
                title: "Too many requests", detail: $"This key may send at most {_limit} requests a minute; retry after {seconds} s.",
                statusCode: StatusCodes.Status429TooManyRequests);
            return;
        }

        await next(context);
    }

    public void Dispose() => _limiter.Dispose();
}
