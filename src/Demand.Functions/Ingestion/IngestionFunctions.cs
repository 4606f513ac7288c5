using Demand.Core.Storage;
using Demand.Functions.Merchants;
using Demand.Functions.Profiles;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Ingestion;

/// <summary>Merchant reads: what happened to an uploaded log part.</summary>
public sealed class IngestionFunctions(IIngestionStore store, LogsStorage storage, TimeProvider time)
{
    [Function("ListIngestions")]
    public async Task<Results<Ok<IngestionListResponse>, ValidationProblem>> ListIngestions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Ingestions)] HttpRequest request, CancellationToken cancellationToken) =>
        request.TryQuery("days", out int? days)
            ? await IngestionHandlers.ListIngestions(request.Route("merchantId"), days, store, storage, time, cancellationToken)
            : HttpRequestExtensions.Malformed("days");

    [Function("GetIngestion")]
    public Task<Results<Ok<IngestionResponse>, ProblemHttpResult>> GetIngestion(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Ingestion)] HttpRequest request, CancellationToken cancellationToken) =>
        IngestionHandlers.GetIngestion(request.Route("merchantId"), request.Route("ingestionId"), store, cancellationToken);
}

/// <summary>The handlers behind <see cref="IngestionFunctions"/>, also described in OpenAPI.</summary>
public static class IngestionHandlers
{
    public static async Task<Results<Ok<IngestionResponse>, ProblemHttpResult>> GetIngestion(
        string merchantId, string ingestionId, [FromServices] IIngestionStore store, CancellationToken cancellationToken)
    {
        if (ingestionId.Length > 64 || !ingestionId.All(char.IsAsciiHexDigitLower))
        {
            return ApiProblems.NotFound();
        }

        var report = await store.GetReportAsync(merchantId, ingestionId, cancellationToken);
        return report is null || report.MerchantId != merchantId ? ApiProblems.NotFound() : TypedResults.Ok(IngestionResponse.From(report));
    }

    public const int MaxListed = 1_000;

    /// <summary>
    /// The merchant's parts of the last <paramref name="days"/> days (1–90, default 14), newest first, and the queues'
    /// backlog (shared by all merchants: how long their new events wait before scoring and mining).
    /// </summary>
    public static async Task<Results<Ok<IngestionListResponse>, ValidationProblem>> ListIngestions(
        string merchantId, int? days, [FromServices] IIngestionStore store, [FromServices] LogsStorage storage, [FromServices] TimeProvider time, CancellationToken cancellationToken)
    {
        var window = days ?? 14;
        if (window is < 1 or > 90)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["days"] = ["days is 1–90."] });
        }

        var reports = await store.ListReportsAsync(merchantId, time.GetUtcNow().AddDays(-window), MaxListed, cancellationToken);
        var backlog = new QueueBacklog(await WaitingAsync(storage, FunctionNames.ScoreQueue, cancellationToken), await WaitingAsync(storage, FunctionNames.MineQueue, cancellationToken));
        return TypedResults.Ok(new IngestionListResponse(window, [.. reports.Select(IngestionResponse.From)], backlog));
    }

    private static async Task<int?> WaitingAsync(LogsStorage storage, string queue, CancellationToken cancellationToken)
    {
        try
        {
            return (await storage.Queues.GetQueueClient(queue).GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
        }
        catch (Azure.RequestFailedException)
        {
            // No queue yet (nothing was ever sent), or no permission to read its properties: unknown, not an error.
            return null;
        }
    }
}
