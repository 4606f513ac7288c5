using Demand.Functions.Merchants;
using Demand.Infrastructure.Cosmos;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Mining;

/// <summary>Merchant reads: what customers say is missing from a product.</summary>
public sealed class ProductFunctions(CosmosReviewNeedStore store)
{
    [Function("GetProductNeeds")]
    public Task<Results<Ok<ProductNeedsResponse>, ProblemHttpResult>> GetProductNeeds(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.ProductNeeds)] HttpRequest request, CancellationToken cancellationToken) =>
        ProductHandlers.GetProductNeeds(request.Route("merchantId"), request.Route("productId"), store, cancellationToken);
}

/// <summary>The handler behind <see cref="ProductFunctions"/>, also described in OpenAPI.</summary>
public static class ProductHandlers
{
    public static async Task<Results<Ok<ProductNeedsResponse>, ProblemHttpResult>> GetProductNeeds(string merchantId, string productId, [FromServices] CosmosReviewNeedStore store, CancellationToken cancellationToken)
    {
        var summary = await store.GetSummaryAsync(merchantId, productId, cancellationToken);
        return summary is null || summary.MerchantId != merchantId || summary.Reviews == 0
            ? ApiProblems.NotFound()
            : TypedResults.Ok(new ProductNeedsResponse(
                summary.ProductId, summary.CategoryId, summary.Reviews, summary.UpdatedAt,
                summary.Needs.Select(n => new ProductNeedResponse(n.Need, n.Aspect, n.Polarity, n.Mentions, n.Share, n.ThisWeek, n.LastWeek, n.Quotes ?? [])).ToList()));
    }
}

public sealed record ProductNeedsResponse(string ProductId, string? CategoryId, int Reviews, DateTimeOffset UpdatedAt, IReadOnlyList<ProductNeedResponse> Needs);

/// <summary>One need of a product; <paramref name="Quotes"/> are review excerpts that state it (up to 3, newest first).</summary>
public sealed record ProductNeedResponse(string Need, string Aspect, string Polarity, int Mentions, double Share, int ThisWeek, int LastWeek, IReadOnlyList<string> Quotes);
