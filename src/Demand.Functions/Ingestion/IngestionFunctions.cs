using System.Globalization;
using System.Text;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;
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
public sealed class IngestionFunctions(IIngestionStore store, LogsStorage storage)
{
    /// <summary><c>?since=&amp;limit=&amp;continuation=</c>: one page of reports, newest first; the first page also carries the queues' backlog.</summary>
    [Function("ListIngestions")]
    public async Task<Results<Ok<IngestionListResponse>, ValidationProblem>> ListIngestions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Ingestions)] HttpRequest request, CancellationToken cancellationToken) =>
        request.TryQuery("limit", out int? limit)
            ? await IngestionHandlers.ListIngestions(request.RouteMerchant(), request.Query("since"), limit, request.Query("continuation"), store, storage, cancellationToken)
            : HttpRequestExtensions.Malformed("limit");

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

    public static async Task<Results<Ok<IngestionResponse>, ProblemHttpResult>> GetIngestion(
        MerchantId merchantId, string ingestionId, [FromServices] IIngestionStore store, CancellationToken cancellationToken)
    {
        if (ingestionId.Length > 64 || !ingestionId.All(char.IsAsciiHexDigitLower))
        {
            return ApiProblems.NotFound();
        }

        var report = await store.GetReportAsync(merchantId, ingestionId, cancellationToken);
        return report is null || report.MerchantId != merchantId
            ? ApiProblems.NotFound()
            : TypedResults.Ok((await ResponsesAsync(merchantId, [report], store, cancellationToken))[0]);
    }

    /// <summary>
    /// One page of reports of parts started at or after <paramref name="since"/> (ISO-8601; default: all), newest first.
    /// The first page (no <paramref name="continuation"/>) also carries the queues' backlog (shared by all merchants: how
    /// long their new events wait before scoring and mining).
    /// </summary>
    public static async Task<Results<Ok<IngestionListResponse>, ValidationProblem>> ListIngestions(
        MerchantId merchantId, string? since, int? limit, string? continuation, [FromServices] IIngestionStore store, [FromServices] LogsStorage storage, CancellationToken cancellationToken)
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
        var backlog = after is null
            ? new QueueBacklog(await WaitingAsync(storage, FunctionNames.ScoreQueue, cancellationToken), await WaitingAsync(storage, FunctionNames.MineQueue, cancellationToken))
            : null;
        return TypedResults.Ok(new IngestionListResponse(await ResponsesAsync(merchantId, page.Reports, store, cancellationToken), backlog, page.Next is null ? null : Encode(page.Next)));
    }

    /// <summary>The reports' wire form; their example rows of shoppers erased since are read without the row.</summary>
    private static async Task<IReadOnlyList<IngestionResponse>> ResponsesAsync(
        MerchantId merchantId, IReadOnlyList<IngestionReport> reports, IIngestionStore store, CancellationToken cancellationToken)
    {
        var erased = IngestionResponse.NeedsTombstones(reports) ? await store.GetTombstonesAsync(merchantId, cancellationToken) : new HashSet<string>();
        return [.. reports.Select(r => IngestionResponse.From(r, erased))];
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
