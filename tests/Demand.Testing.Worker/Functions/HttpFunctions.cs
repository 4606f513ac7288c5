using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Demand.Testing.Worker.Functions;

/// <summary>HTTP triggers with ASP.NET Core integration: route values, status codes, headers, JSON and echoed bodies.</summary>
public sealed class HttpFunctions
{
    [Function("HttpGetItem")]
    public static Results<Ok<ItemReply>, NotFound> GetItem(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "items/{id}")] HttpRequest request, string id)
    {
        if (id == "missing")
        {
            return TypedResults.NotFound();
        }

        request.HttpContext.Response.Headers["x-item-id"] = id;
        return TypedResults.Ok(new ItemReply(id, request.Query["q"].ToString()));
    }

    [Function("HttpEcho")]
    public static async Task<IResult> Echo(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "echo/{*rest}")] HttpRequest request, string rest)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
        request.HttpContext.Response.Headers["x-rest"] = rest;
        request.HttpContext.Response.Headers["x-echo-header"] = request.Headers["x-test"].ToString();
        return TypedResults.Bytes(body.ToArray(), request.ContentType ?? "application/octet-stream", fileDownloadName: null);
    }

    [Function("HttpCreated")]
    public static Created<ItemReply> Create(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", "post", Route = "created")] HttpRequest request) =>
        TypedResults.Created("/api/items/new", new ItemReply("new", request.Method));

    [Function("HttpFails")]
    public static IResult Fails([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "fails")] HttpRequest request) =>
        throw new InvalidOperationException("the HTTP function failed on purpose");

    [Function("HttpLogs")]
    public static NoContent Logs(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "logs/{word}")] HttpRequest request, string word, FunctionContext context)
    {
        context.GetLogger("Demand.Testing.Worker.HttpLogs").LogWarning("The worker logged {Word}", word);
        return TypedResults.NoContent();
    }

    /// <summary>Waits for the caller to go away and logs that it saw the abort.</summary>
    [Function("HttpWaitsForAbort")]
    public static async Task<NoContent> WaitsForAbort(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "wait/{tag}")] HttpRequest request, string tag, FunctionContext context)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(30), request.HttpContext.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            context.GetLogger("Demand.Testing.Worker.HttpWaitsForAbort").LogWarning("Request {Tag} aborted", tag);
            throw;
        }

        return TypedResults.NoContent();
    }

    [Function("Ping")]
    public static Ok<string> Ping([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "ping")] HttpRequest request) =>
        TypedResults.Ok("pong");
}

/// <summary>The JSON body of the item endpoints.</summary>
public sealed record ItemReply(string Id, string Query);
