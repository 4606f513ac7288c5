using Demand.Core.Identifiers;
using Demand.Core.Insights;
using Demand.Functions.Merchants;
using Demand.Infrastructure.Cosmos;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Insights;

/// <summary>Merchant reads built by the nightly run: category segments and the demand forecast.</summary>
public sealed class InsightFunctions(CosmosInsightsStore store)
{
    [Function("GetSegment")]
    public async Task<Results<Ok<SegmentResponse>, ProblemHttpResult, ValidationProblem>> GetSegment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Segment)] HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.TryQuery("minScore", out double? minScore))
        {
            return HttpRequestExtensions.Malformed("minScore");
        }

        return request.TryQuery("limit", out int? limit)
            ? await InsightHandlers.GetSegment(request.RouteMerchant(), request.Route("categoryId"), minScore, limit, request.Query("continuation"), store, cancellationToken)
            : HttpRequestExtensions.Malformed("limit");
    }

    [Function("GetDemandForecast")]
    public Task<Results<Ok<DemandForecastResponse>, ProblemHttpResult>> GetDemand(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.DemandForecast)] HttpRequest request, CancellationToken cancellationToken) =>
        InsightHandlers.GetDemand(request.RouteMerchant(), store, cancellationToken);
}

/// <summary>The handlers behind <see cref="InsightFunctions"/>, also described in OpenAPI.</summary>
public static class InsightHandlers
{
    public static async Task<Results<Ok<SegmentResponse>, ProblemHttpResult, ValidationProblem>> GetSegment(
        MerchantId merchantId, string categoryId, double? minScore, int? limit, string? continuation, [FromServices] CosmosInsightsStore store, CancellationToken cancellationToken)
    {
        var take = limit ?? 50;
        if (take is < 1 or > 500 || minScore is < 0 or > 1)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit is 1–500."], ["minScore"] = ["minScore is 0–1."] });
        }

        var (page, offset) = (0, 0);
        if (continuation is not null && !TryDecode(continuation, out page, out offset))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["continuation"] = ["Not a continuation token from this API."] });
        }

        var first = await store.SegmentPageAsync(merchantId, categoryId, page, cancellationToken);
        if (first is null && page == 0)
        {
            return ApiProblems.NotFound();
        }

        var members = new List<SegmentMember>();
        var current = first;
        while (current is not null && members.Count < take)
        {
            while (offset < current.Members.Count && members.Count < take)
            {
                var member = current.Members[offset];
                if (member.Propensity < (minScore ?? 0))
                {
                    current = null;
                    break;
                }

                members.Add(member);
                offset++;
            }

            if (current is null || members.Count == take)
            {
                break;
            }

            page++;
            offset = 0;
            current = page < current.Pages ? await store.SegmentPageAsync(merchantId, categoryId, page, cancellationToken) : null;
        }

        var next = current is not null && (offset < current.Members.Count || page + 1 < current.Pages) ? Encode(page, offset) : null;
        return TypedResults.Ok(new SegmentResponse(categoryId, first?.BuiltAt, members.Select(m => new SegmentMemberResponse(m.UserId, m.Propensity)).ToList(), next));
    }

    public static async Task<Results<Ok<DemandForecastResponse>, ProblemHttpResult>> GetDemand(MerchantId merchantId, [FromServices] CosmosInsightsStore store, CancellationToken cancellationToken)
    {
        var forecast = await store.ForecastAsync(merchantId, cancellationToken);
        return forecast is null
            ? ApiProblems.NotFound()
            : TypedResults.Ok(new DemandForecastResponse(forecast.BuiltAt, forecast.Categories.Select(c => new CategoryForecastResponse(c.CategoryId, c.ExpectedBuyers, c.LastWeekExpectedBuyers, c.Shoppers)).ToList()));
    }

    private static string Encode(int page, int offset) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{page}:{offset}"));

    private static bool TryDecode(string token, out int page, out int offset)
    {
        page = offset = 0;
        try
        {
            var parts = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split(':');
            return parts.Length == 2 && int.TryParse(parts[0], out page) && int.TryParse(parts[1], out offset) && page >= 0 && offset >= 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

public sealed record SegmentResponse(string CategoryId, DateTimeOffset? BuiltAt, IReadOnlyList<SegmentMemberResponse> Members, string? Continuation);

public sealed record SegmentMemberResponse(string UserId, double Propensity);

public sealed record DemandForecastResponse(DateTimeOffset BuiltAt, IReadOnlyList<CategoryForecastResponse> Categories);

public sealed record CategoryForecastResponse(string CategoryId, double ExpectedBuyers, double? LastWeekExpectedBuyers, int Shoppers);
