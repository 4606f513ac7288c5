using Demand.Core.Identifiers;
using System.Text.Json;
using Demand.Core.Insights;
using Demand.Core.Storage;
using Microsoft.Azure.Cosmos;

namespace Demand.Infrastructure.Cosmos;

public sealed class CosmosPrivacyStore(DemandCosmos cosmos, CosmosReviewNeedStore reviewNeeds, TimeProvider time) : IPrivacyStore
{
    public async Task<UserExport?> ExportAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken)
    {
        var key = DemandCosmos.UserKey(merchantId, userId);
        var features = (await CosmosDocuments.ReadAsync<JsonDocument>(cosmos.Features, userId, key, cancellationToken))?.RootElement;
        var profile = (await CosmosDocuments.ReadAsync<JsonDocument>(cosmos.Profiles, userId, key, cancellationToken))?.RootElement;
        var reviews = await ReviewNeedsAsync(merchantId, userId, cancellationToken);
        return features is null && profile is null && reviews.Count == 0 ? null : new UserExport(features, profile, reviews);
    }

    public async Task<bool> EraseAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken)
    {
        var key = DemandCosmos.UserKey(merchantId, userId);
        var existed = await CosmosDocuments.DeleteAsync(cosmos.Features, userId, key, cancellationToken);
        existed |= await CosmosDocuments.DeleteAsync(cosmos.Profiles, userId, key, cancellationToken);
        var products = new HashSet<string>(StringComparer.Ordinal);
        foreach (var review in await ReviewNeedsAsync(merchantId, userId, cancellationToken))
        {
            var productId = review.GetProperty("productId").GetString()!;
            existed |= await CosmosDocuments.DeleteAsync(cosmos.ReviewNeeds, review.GetProperty("id").GetString()!, DemandCosmos.ProductKey(merchantId, productId), cancellationToken);
            products.Add(productId);
        }

        // Product and category summaries must stop counting the erased shopper's reviews.
        await reviewNeeds.RebuildSummariesAsync(merchantId, products, null, cancellationToken);

        // Segments are rebuilt nightly; until then the erased shopper must not be listed in them.
        await RemoveFromSegmentsAsync(merchantId, userId, cancellationToken);

        // Written even when nothing existed yet: an erasure request must also stop data that arrives later.
        await cosmos.Insights.UpsertItemAsync(
            new { id = Tombstones.Id(merchantId, userId), merchantId, type = Tombstones.DocumentType, erasedAt = time.GetUtcNow() },
            DemandCosmos.MerchantKey(merchantId),
            cancellationToken: cancellationToken);
        return existed;
    }

    private async Task RemoveFromSegmentsAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m AND c.type = @t").WithParameter("@m", merchantId.Value).WithParameter("@t", "segment");
        using var feed = cosmos.Insights.GetItemQueryIterator<SegmentPage>(query, requestOptions: new QueryRequestOptions { PartitionKey = DemandCosmos.MerchantKey(merchantId) });
        while (feed.HasMoreResults)
        {
            foreach (var page in await feed.ReadNextAsync(cancellationToken))
            {
                if (page.Members.RemoveAll(m => m.UserId == userId.Value) > 0)
                {
                    await cosmos.Insights.UpsertItemAsync(page, DemandCosmos.MerchantKey(merchantId), cancellationToken: cancellationToken);
                }
            }
        }
    }

    private async Task<List<JsonElement>> ReviewNeedsAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m AND c.userId = @u").WithParameter("@m", merchantId).WithParameter("@u", userId);
        var result = new List<JsonElement>();
        using var feed = cosmos.ReviewNeeds.GetItemQueryIterator<JsonElement>(query, requestOptions: new QueryRequestOptions { EnableOptimisticDirectExecution = true });
        while (feed.HasMoreResults)
        {
            result.AddRange(await feed.ReadNextAsync(cancellationToken));
        }

        return result;
    }
}
