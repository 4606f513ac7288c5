using Demand.Infrastructure.Cosmos;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Demand.Functions.Api;

/// <summary>Merchant reads: what customers say is missing from a product.</summary>
internal static class ProductEndpoints
{
    public static RouteGroupBuilder MapProducts(this RouteGroupBuilder merchant)
    {
        merchant.MapGet("/products/{productId}/needs", GetProductNeeds).WithTags("Products").WithName("GetProductNeeds")
            .WithSummary("Needs mined from a product's reviews: share of reviews mentioning each, polarity, and week-over-week counts.");
        return merchant;
    }

    internal static async Task<Results<Ok<ProductNeedsResponse>, ProblemHttpResult>> GetProductNeeds(string merchantId, string productId, CosmosReviewNeedStore store, CancellationToken cancellationToken)
    {
        var summary = await store.GetSummaryAsync(merchantId, productId, cancellationToken);
        return summary is null || summary.MerchantId != merchantId || summary.Reviews == 0
            ? ApiProblems.NotFound()
            : TypedResults.Ok(new ProductNeedsResponse(
                summary.ProductId, summary.CategoryId, summary.Reviews, summary.UpdatedAt,
                summary.Needs.Select(n => new ProductNeedResponse(n.Need, n.Aspect, n.Polarity, n.Mentions, n.Share, n.ThisWeek, n.LastWeek)).ToList()));
    }
}

public sealed record ProductNeedsResponse(string ProductId, string? CategoryId, int Reviews, DateTimeOffset UpdatedAt, IReadOnlyList<ProductNeedResponse> Needs);

public sealed record ProductNeedResponse(string Need, string Aspect, string Polarity, int Mentions, double Share, int ThisWeek, int LastWeek);
