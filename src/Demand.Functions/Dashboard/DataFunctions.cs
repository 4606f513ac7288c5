using Demand.Core.Identifiers;
using System.Globalization;
using System.Text;
using Demand.Core.Storage;
using Demand.Functions.Ingestion;
using Demand.Functions.Insights;
using Demand.Functions.Merchants;
using Demand.Functions.Mining;
using Demand.Functions.Profiles;
using Demand.Infrastructure.Cosmos;
using Demand.Infrastructure.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Dashboard;

/// <summary>
/// What the dashboard's pages read and do: the API's routes under <c>dashboard/</c>, each calling the very handler the
/// API's function calls (no second query path), behind the session middleware instead of the key middleware.
/// </summary>
public sealed class DataFunctions(IProfileStore profiles, IPrivacyStore privacy, IIngestionStore ingestion, LogsStorage storage, CosmosInsightsStore insights, CosmosReviewNeedStore needs, TimeProvider time)
{
    public const int MaxCsvRows = 10_000;

    [Function("DashboardDemand")]
    public Task<Results<Ok<DemandForecastResponse>, ProblemHttpResult>> Demand(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.DemandForecast)] HttpRequest request, CancellationToken cancellationToken) =>
        InsightHandlers.GetDemand(request.RouteMerchant(), insights, cancellationToken);

    [Function("DashboardSegment")]
    public async Task<Results<Ok<SegmentResponse>, ProblemHttpResult, ValidationProblem>> Segment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Segment)] HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.TryQuery("minScore", out double? minScore))
        {
            return HttpRequestExtensions.Malformed("minScore");
        }

        return request.TryQuery("limit", out int? limit)
            ? await InsightHandlers.GetSegment(request.RouteMerchant(), request.Route("categoryId"), minScore, limit, request.Query("continuation"), insights, cancellationToken)
            : HttpRequestExtensions.Malformed("limit");
    }

    /// <summary>The whole segment (up to <see cref="MaxCsvRows"/>) as CSV, paged through the segment handler.</summary>
    [Function("DashboardSegmentCsv")]
    public async Task<IResult> SegmentCsv(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.SegmentCsv)] HttpRequest request, CancellationToken cancellationToken)
    {
        var merchantId = request.RouteMerchant();
        var categoryId = request.Route("categoryId");
        var csv = new StringBuilder("userId,propensity\n");
        string? continuation = null;
        var rows = 0;
        do
        {
            var page = await InsightHandlers.GetSegment(merchantId, categoryId, null, 500, continuation, insights, cancellationToken);
            if (page.Result is not Ok<SegmentResponse> { Value: { } segment })
            {
                return page.Result;
            }

            foreach (var member in segment.Members.Take(MaxCsvRows - rows))
            {
                csv.Append(CsvField(member.UserId)).Append(',').Append(member.Propensity.ToString("0.####", CultureInfo.InvariantCulture)).Append('\n');
                rows++;
            }

            continuation = segment.Continuation;
        }
        while (continuation is not null && rows < MaxCsvRows);

        var fileName = "segment-" + new string([.. categoryId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')]) + ".csv";
        return TypedResults.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", fileName);
    }

    [Function("DashboardCategoryNeeds")]
    public Task<Results<Ok<CategoryNeedsResponse>, ProblemHttpResult>> CategoryNeeds(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.CategoryNeeds)] HttpRequest request, CancellationToken cancellationToken) =>
        NeedHandlers.GetCategoryNeeds(request.RouteMerchant(), request.Route("categoryId"), needs, cancellationToken);

    [Function("DashboardProductNeeds")]
    public Task<Results<Ok<ProductNeedsResponse>, ProblemHttpResult>> ProductNeeds(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.ProductNeeds)] HttpRequest request, CancellationToken cancellationToken) =>
        ProductHandlers.GetProductNeeds(request.RouteMerchant(), request.Route("productId"), needs, cancellationToken);

    [Function("DashboardMiningUsage")]
    public Task<Results<Ok<MiningUsageResponse>, ValidationProblem>> MiningUsage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.MiningUsage)] HttpRequest request, CancellationToken cancellationToken) =>
        NeedHandlers.GetUsage(request.RouteMerchant(), request.Query("month"), needs, time, cancellationToken);

    [Function("DashboardProfile")]
    public Task<Results<Ok<ProfileResponse>, StatusCodeHttpResult, ProblemHttpResult>> Profile(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Profile)] HttpRequest request, CancellationToken cancellationToken) =>
        ProfileHandlers.GetProfile(request.RouteMerchant(), request.RouteUser(), request.HttpContext, profiles, cancellationToken);

    [Function("DashboardExport")]
    public Task<Results<Ok<UserExport>, ProblemHttpResult>> Export(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Export)] HttpRequest request, CancellationToken cancellationToken) =>
        PrivacyHandlers.Export(request.RouteMerchant(), request.RouteUser(), request.HttpContext, privacy, cancellationToken);

    [Function("DashboardErase")]
    public Task<Ok<ErasureResponse>> Erase(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = DashboardRoutes.User)] HttpRequest request, CancellationToken cancellationToken) =>
        PrivacyHandlers.Erase(request.RouteMerchant(), request.RouteUser(), privacy, cancellationToken);

    [Function("DashboardIngestions")]
    public async Task<Results<Ok<IngestionListResponse>, ValidationProblem>> Ingestions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Ingestions)] HttpRequest request, CancellationToken cancellationToken) =>
        request.TryQuery("limit", out int? limit)
            ? await IngestionHandlers.ListIngestions(request.RouteMerchant(), request.Query("since"), limit, request.Query("continuation"), ingestion, storage, cancellationToken)
            : HttpRequestExtensions.Malformed("limit");

    [Function("DashboardIngestion")]
    public Task<Results<Ok<IngestionResponse>, ProblemHttpResult>> IngestionReport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Ingestion)] HttpRequest request, CancellationToken cancellationToken) =>
        IngestionHandlers.GetIngestion(request.RouteMerchant(), request.Route("ingestionId"), ingestion, cancellationToken);

    /// <summary>A spreadsheet opens a cell starting with = + - @ as a formula: prefix it (OWASP CSV injection).</summary>
    private static string CsvField(string value)
    {
        var safe = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' ? "'" + value : value;
        return safe.Contains(',', StringComparison.Ordinal) || safe.Contains('"', StringComparison.Ordinal) || safe.Contains('\n', StringComparison.Ordinal)
            ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : safe;
    }
}
