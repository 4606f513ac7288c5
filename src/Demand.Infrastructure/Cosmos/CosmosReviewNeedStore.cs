using Demand.Core.Mining;
using Microsoft.Azure.Cosmos;

namespace Demand.Infrastructure.Cosmos;

/// <summary>Mined review needs and the per-product summaries built from them.</summary>
public sealed class CosmosReviewNeedStore(DemandCosmos cosmos, TimeProvider time)
{
    public Task<ReviewNeedDocument?> GetAsync(string merchantId, string productId, string reviewId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<ReviewNeedDocument>(cosmos.ReviewNeeds, reviewId, DemandCosmos.ProductKey(merchantId, productId), cancellationToken);

    public Task SaveAsync(ReviewNeedDocument document, CancellationToken cancellationToken) =>
        cosmos.ReviewNeeds.UpsertItemAsync(document, DemandCosmos.ProductKey(document.MerchantId, document.ProductId), cancellationToken: cancellationToken);

    public async Task<List<ReviewNeedDocument>> ForProductAsync(string merchantId, string productId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m AND c.productId = @p").WithParameter("@m", merchantId).WithParameter("@p", productId);
        var result = new List<ReviewNeedDocument>();
        using var feed = cosmos.ReviewNeeds.GetItemQueryIterator<ReviewNeedDocument>(query, requestOptions: new QueryRequestOptions { PartitionKey = DemandCosmos.ProductKey(merchantId, productId), EnableOptimisticDirectExecution = true });
        while (feed.HasMoreResults)
        {
            result.AddRange((await feed.ReadNextAsync(cancellationToken)).Where(d => d.MerchantId == merchantId && d.ProductId == productId));
        }

        return result;
    }

    /// <summary>Rebuilds a product's need summary from its reviews (after mining, and after an erasure).</summary>
    public async Task<ProductNeedSummary> RebuildSummaryAsync(string merchantId, string productId, CancellationToken cancellationToken)
    {
        var summary = ProductNeedSummary.Build(merchantId, productId, await ForProductAsync(merchantId, productId, cancellationToken), time.GetUtcNow());
        await cosmos.Insights.UpsertItemAsync(summary, DemandCosmos.MerchantKey(merchantId), cancellationToken: cancellationToken);
        return summary;
    }

    public Task<ProductNeedSummary?> GetSummaryAsync(string merchantId, string productId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<ProductNeedSummary>(cosmos.Insights, ProductNeedSummary.IdFor(productId), DemandCosmos.MerchantKey(merchantId), cancellationToken);
}
