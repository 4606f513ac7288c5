using System.Globalization;
using System.Text;
using Demand.Core.Identifiers;
using Demand.Core.Storage;
using Demand.Functions.Merchants;
using Demand.Functions.Profiles;
using Demand.Infrastructure.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Ingestion;

/// <summary>Merchant reads: what happened to an uploaded log part, and the list of them.</summary>
public sealed class IngestionFunctions(IIngestionStore store, LogsStorage storage, TimeProvider time)
{
    /// <summary><c>?days=</c> (default): the last days' reports and the queues' backlog; <c>?since=&amp;limit=&amp;continuation=</c>: one page.</summary>
    [Function("ListIngestions")]
    public async Task<Results<Ok<IngestionListResponse>, ValidationProblem>> ListIngestions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Ingestions)] HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.Query("since") is not null || request.Query("limit") is not null || request.Query("continuation") is not null)
        {
            return request.TryQuery("limit", out int? limit)
                ? await IngestionHandlers.ListIngestionPage(request.RouteMerchant(), request.Query("since"), limit, request.Query("continuation"), store, cancellationToken)
                : HttpRequestExtensions.Malformed("limit");
        }

        return request.TryQuery("days", out int? days)
            ? await IngestionHandlers.ListIngestions(request.RouteMerchant(), days, store, storage, time, cancellationToken)
            : HttpRequestExtensions.Malformed("days");
    }

    [Function("GetIngestion")]
    public Task<Results<Ok<IngestionResponse>, ProblemHttpResult>> GetIngestion(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Ingestion)] HttpRequest request, CancellationToken cancellationToken) =>
        IngestionHandlers.GetIngestion(request.RouteMerchant(), request.Route("ingestionId"), store, cancellationToken);
}

/// <summary>The handlers behind <see cref="IngestionFunctions"/>, also described in OpenAPI.</summary>
public static class IngestionHandlers
{
    public const int DefaultPage = 20;
    public const int MaxPage = 100;
    public const int MaxListed = 1_000;

    public static async Task<Results<Ok<IngestionResponse>, ProblemHttpResult>> GetIngestion(
        MerchantId merchantId, string ingestionId, [FromServices] IIngestionStore store, CancellationToken cancellationToken)
    {
        if (ingestionId.Length > 64 || !ingestionId.All(char.IsAsciiHexDigitLower))
        {
            return ApiProblems.NotFound();
        }

        var report = await store.GetReportAsync(merchantId, ingestionId, cancellationToken);
        return report is null || report.MerchantId != merchantId ? ApiProblems.NotFound() : TypedResults.Ok(IngestionResponse.From(report));
    }

    /// <summary>
    /// The merchant's parts of the last <paramref name="days"/> days (1–90, default 14), newest first, and the queues'
    /// backlog (shared by all merchants: how long their new events wait before scoring and mining).
    /// </summary>
    public static async Task<Results<Ok<IngestionListResponse>, ValidationProblem>> ListIngestions(
        MerchantId merchantId, int? days, [FromServices] IIngestionStore store, [FromServices] LogsStorage storage, [FromServices] TimeProvider time, CancellationToken cancellationToken)
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

    /// <summary>One page of reports of parts started at or after <paramref name="since"/> (ISO-8601; default: all), newest first.</summary>
    public static async Task<Results<Ok<IngestionListResponse>, ValidationProblem>> ListIngestionPage(
        MerchantId merchantId, string? since, int? limit, string? continuation, [FromServices] IIngestionStore store, CancellationToken cancellationToken)
    {
        var take = limit ?? DefaultPage;
        if (take is < 1 or > MaxPage)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit is 1–{MaxPage}."] });
        }

        DateTimeOffset? from = null;
        if (since is not null)
        {
            if (!DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["since"] = ["Use an ISO-8601 date or time, e.g. 2026-11-20 or 2026-11-20T08:00:00Z."] });
            }

            from = parsed;
        }

        string? after = null;
        if (continuation is not null && !TryDecode(continuation, out after))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuation"] = ["Not a continuation token from this API."] });
        }

        var page = await store.ListReportsAsync(merchantId, from, after, take, cancellationToken);
        return TypedResults.Ok(new IngestionListResponse(null, [.. page.Reports.Select(IngestionResponse.From)], null, page.Next is null ? null : Encode(page.Next)));
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

    private static string Encode(string key) => Convert.ToBase64String(Encoding.UTF8.GetBytes(key)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool TryDecode(string token, out string? key)
    {
        key = null;
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - (base64.Length % 4)) % 4);
        var bytes = new byte[base64.Length];
        if (token.Length > 200 || !Convert.TryFromBase64String(base64, bytes, out var written))
        {
            return false;
        }

        key = Encoding.UTF8.GetString(bytes, 0, written);
        return key.Contains('|', StringComparison.Ordinal);
    }
}
