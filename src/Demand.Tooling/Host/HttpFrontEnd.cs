using System.Globalization;
using System.Net;
using System.Text.Json;
using Demand.Tooling.Host.Rpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Demand.Tooling.Host;

/// <summary>
/// The host's public HTTP endpoint: <c>/{routePrefix}/…</c> to HTTP functions (404 when nothing matches), the
/// admin API <c>POST /admin/functions/{name}</c> and the Event Grid blob webhook <c>/runtime/webhooks/blobs</c>.
/// An HTTP invocation is an InvocationRequest carrying the RpcHttp plus the original request forwarded, streamed,
/// to the worker's own HTTP endpoint with <c>x-ms-invocation-id</c>; the worker's HTTP answer is the response.
/// </summary>
internal sealed class HttpFrontEnd : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Host", "Expect",
    };

    /// <summary>The Azure host's app setting for the request body limit, and its default (100 MB).</summary>
    public const string BodyLimitSetting = "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT";

    public const long DefaultBodyLimit = 104_857_600;

    private readonly LocalFunctionsHost _host;
    private readonly long _bodyLimit;
    private readonly IReadOnlyList<BlobListener> _blobListeners;
    private readonly List<HttpRoute> _routes;
    private readonly HttpClient _worker;
    private WebApplication? _app;

    private HttpFrontEnd(LocalFunctionsHost host, IReadOnlyList<BlobListener> blobListeners)
    {
        _host = host;
        _blobListeners = blobListeners;
        _bodyLimit = host.Settings.TryGetValue(BodyLimitSetting, out var limit) && long.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > 0
            ? bytes
            : DefaultBodyLimit;
        _routes = [.. host.HostedFunctions.Where(f => f.Trigger == TriggerKind.Http)
            .Select(f => new HttpRoute(f, host.HostJson.RoutePrefix))
            .OrderBy(r => r.Precedence)];
        _worker = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            // Bodies go to the worker only once it reads them (Expect: 100-continue below): a function that answers
            // without reading (a 413 on the declared length, a 401) gets no body it would have to drain or reset on.
            Expect100ContinueTimeout = TimeSpan.FromMinutes(10),
        })
        {
            // functionTimeout bounds an invocation; the forwarded request itself waits as long as the worker does.
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<HttpFrontEnd> StartAsync(LocalFunctionsHost host, IReadOnlyList<BlobListener> blobListeners, int port, CancellationToken cancellationToken)
    {
        var frontEnd = new HttpFrontEnd(host, blobListeners);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port);
            // Checked per request (413 ProblemDetails) and enforced while streaming a chunked body to the worker.
            kestrel.Limits.MaxRequestBodySize = frontEnd._bodyLimit;
        });
        var app = builder.Build();
        app.Run(frontEnd.HandleAsync);
        await app.StartAsync(cancellationToken);
        frontEnd._app = app;
        frontEnd.BaseAddress = new Uri(app.Urls.First().TrimEnd('/') + "/");
        return frontEnd;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }

        _worker.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (path.StartsWith("/admin/functions/", StringComparison.OrdinalIgnoreCase) && HttpMethods.IsPost(context.Request.Method))
        {
            await AdminInvokeAsync(context, Uri.UnescapeDataString(path["/admin/functions/".Length..]));
            return;
        }

        if (path.Equals("/runtime/webhooks/blobs", StringComparison.OrdinalIgnoreCase))
        {
            await EventGridAsync(context);
            return;
        }

        // A raw backslash is no path character (RFC 3986) and an empty segment ("//") no segment; front ends disagree on
        // both (a separator or data; collapsed or kept), so a path one reads as /a/b and another as one segment "a\b"
        // never reaches a function. "%5C" does: it is data, and the id rules refuse it where ids are expected.
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? path;
        var rawPath = rawTarget.Split('?', 2)[0];
        if (rawPath.Contains('\\', StringComparison.Ordinal) || path.Contains("//", StringComparison.Ordinal))
        {
            await ProblemAsync(context, StatusCodes.Status400BadRequest, "Invalid path", "Raw backslashes and empty segments (//) are not allowed in a URL path; percent-encode a backslash that is data (%5C).");
            return;
        }

        if (context.Request.ContentLength > _bodyLimit)
        {
            await ProblemAsync(context, StatusCodes.Status413PayloadTooLarge, "Body too large", $"Send at most {_bodyLimit} bytes.");
            return;
        }

        foreach (var route in _routes)
        {
            if (route.TryMatch(context.Request.Method, path, out var values))
            {
                await InvokeHttpAsync(context, route, values.ToDictionary(v => v.Key, v => Convert.ToString(v.Value, CultureInfo.InvariantCulture) ?? string.Empty, StringComparer.OrdinalIgnoreCase));
                return;
            }
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
    }

    private async Task InvokeHttpAsync(HttpContext context, HttpRoute route, Dictionary<string, string> routeValues)
    {
        var aborted = context.RequestAborted;
        var worker = await _host.CurrentWorkerAsync(aborted);
        var invocationId = Guid.NewGuid().ToString();
        var request = context.Request;
        var http = new RpcHttp
        {
            Method = request.Method,
            Url = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}",
        };
        foreach (var header in request.Headers)
        {
            http.Headers[header.Key.ToLowerInvariant()] = header.Value.ToString();
        }

        foreach (var query in request.Query)
        {
            http.Query[query.Key] = query.Value.ToString();
        }

        var invocation = new InvocationRequest { InvocationId = invocationId };
        invocation.InputData.Add(new ParameterBinding { Name = route.Function.TriggerBinding.Name, Data = new TypedData { Http = http } });
        foreach (var (key, value) in routeValues)
        {
            http.Params[key] = value;
            // Route values are binding data: the worker binds `string id` parameters from them.
            invocation.TriggerMetadata[key] = RpcValues.String(value);
        }

        var outcome = _host.InvokeAsync(route.Function, invocation, routeValues, aborted);

        // A failed invocation (binding error, timeout, crash) may never be paired with the forwarded request in the
        // worker; give the worker a moment to answer it (usually a 500 of its own), then stop waiting.
        using var forwarding = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        _ = StopForwardingOnFailureAsync(outcome, forwarding);

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(worker.HttpUri ?? throw new InvalidOperationException("The worker advertised no HttpUri capability."), $"{request.Path}{request.QueryString}"));
        if (request.ContentLength > 0 || request.Headers.ContainsKey("Transfer-Encoding"))
        {
            forward.Content = new StreamContent(request.Body);
            forward.Headers.ExpectContinue = true;
        }

        foreach (var header in request.Headers)
        {
            if (HopByHop.Contains(header.Key))
            {
                continue;
            }

            if (!forward.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value))
            {
                forward.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
            }
        }

        forward.Headers.TryAddWithoutValidation("x-ms-invocation-id", invocationId);
        try
        {
            using var response = await _worker.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, forwarding.Token);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var header in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHop.Contains(header.Key))
                {
                    context.Response.Headers[header.Key] = header.Value.ToArray();
                }
            }

            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            // The body may stream for longer than the invocation: only the caller's abort stops it now.
            await using var body = await response.Content.ReadAsStreamAsync(aborted);
            await body.CopyToAsync(context.Response.Body, aborted);
        }
        catch (Exception) when (aborted.IsCancellationRequested)
        {
            // The caller went away; the invocation is cancelled through the same token.
        }
        catch (Exception exception) when (!context.Response.HasStarted && BodyRefusal(exception) is { } refusal)
        {
            // Kestrel refused the caller's body while it streamed to the worker (a chunked body over the limit, a
            // broken chunk): the caller's fault, answered as the Azure host does (413/400), not as a worker crash.
            forwarding.Cancel();
            await ProblemAsync(context, refusal.StatusCode, refusal.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Body too large" : "Unreadable body",
                refusal.StatusCode == StatusCodes.Status413PayloadTooLarge ? $"Send at most {_bodyLimit} bytes." : refusal.Message);
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException && !context.Response.HasStarted)
        {
            // The worker could not answer (it crashed): the Azure host answers 500.
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        }

        await outcome;
    }

    private static BadHttpRequestException? BodyRefusal(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is BadHttpRequestException bad)
            {
                return bad;
            }
        }

        return null;
    }

    private static Task ProblemAsync(HttpContext context, int status, string title, string detail) =>
        Results.Problem(title: title, detail: detail, statusCode: status).ExecuteAsync(context);

    /// <summary>
    /// How long the worker's own answer to a failed invocation is awaited. 2 s was too short on a loaded 2-core machine:
    /// the worker's empty 200 for a throwing function came later and the caller got the host's 500 instead.
    /// </summary>
    private static readonly TimeSpan FailedInvocationGrace = TimeSpan.FromSeconds(10);

    private static async Task StopForwardingOnFailureAsync(Task<InvocationOutcome> outcome, CancellationTokenSource forwarding)
    {
        if ((await outcome).Succeeded)
        {
            return;
        }

        try
        {
            forwarding.CancelAfter(FailedInvocationGrace);
        }
        catch (ObjectDisposedException)
        {
            // The forward already finished.
        }
    }

    private async Task AdminInvokeAsync(HttpContext context, string functionName)
    {
        var function = _host.Find(functionName);
        if (function is null || function.Trigger == TriggerKind.Http)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        string? input = null;
        if (context.Request.ContentLength is > 0 || context.Request.Headers.ContainsKey("Transfer-Encoding"))
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("input", out var value) && value.ValueKind == JsonValueKind.String)
            {
                input = value.GetString();
            }
        }

        // Like the Azure host's admin API: 202 Accepted, the invocation runs in the background.
        _host.Track(_host.TriggerAsync(function.Name, input, CancellationToken.None));
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    private async Task EventGridAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return;
        }

        var functionName = context.Request.Query["functionName"].ToString();
        var listener = _blobListeners.FirstOrDefault(l => string.Equals(l.Function.FullName, functionName, StringComparison.OrdinalIgnoreCase)
            || string.Equals(l.Function.Name, functionName, StringComparison.OrdinalIgnoreCase));
        if (listener is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        using var document = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        var events = document.RootElement.ValueKind == JsonValueKind.Array ? [.. document.RootElement.EnumerateArray()] : new[] { document.RootElement };
        foreach (var item in events)
        {
            // The subscription handshake: echo the validation code.
            if (item.TryGetProperty("eventType", out var type) && type.GetString() == "Microsoft.EventGrid.SubscriptionValidationEvent")
            {
                await context.Response.WriteAsJsonAsync(new { validationResponse = item.GetProperty("data").GetProperty("validationCode").GetString() }, context.RequestAborted);
                return;
            }
        }

        // BlobCreated: the listener's next scan finds the blob and its receipt decides whether it runs.
        listener.Nudge();
        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }
}
