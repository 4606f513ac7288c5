using Demand.Core.Identifiers;
using Demand.Core.Mining;
using Microsoft.Azure.Cosmos;

namespace Demand.Infrastructure.Cosmos;

/// <summary>Mined review needs, the merchant's need taxonomy, product and category need summaries, and mining usage.</summary>
public sealed class CosmosReviewNeedStore(DemandCosmos cosmos, TimeProvider time)
{
    // One large page: cosmosdb-server rejects the SDK's continuation of these queries (see MerchantStatsProvider.MerchantScan).
    private const int OnePage = 100_000;

    public Task<ReviewNeedDocument?> GetAsync(string merchantId, string productId, string reviewId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<ReviewNeedDocument>(cosmos.ReviewNeeds, reviewId, DemandCosmos.ProductKey(merchantId, productId), cancellationToken);

    public Task SaveAsync(ReviewNeedDocument document, CancellationToken cancellationToken) =>
        cosmos.ReviewNeeds.UpsertItemAsync(document, DemandCosmos.ProductKey(document.MerchantId, document.ProductId), cancellationToken: cancellationToken);

    public async Task<List<ReviewNeedDocument>> ForProductAsync(string merchantId, string productId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m AND c.productId = @p").WithParameter("@m", merchantId).WithParameter("@p", productId);
        var result = new List<ReviewNeedDocument>();
        using var feed = cosmos.ReviewNeeds.GetItemQueryIterator<ReviewNeedDocument>(query, requestOptions: new QueryRequestOptions { PartitionKey = DemandCosmos.ProductKey(merchantId, productId), EnableOptimisticDirectExecution = true, MaxItemCount = OnePage });
        while (feed.HasMoreResults)
        {
            result.AddRange((await feed.ReadNextAsync(cancellationToken)).Where(d => d.MerchantId == merchantId && d.ProductId == productId));
        }

        return result;
    }

    /// <summary>Up to <paramref name="max"/> of the merchant's provisional results, oldest review first, for re-mining.</summary>
    public async Task<List<ReviewNeedDocument>> ProvisionalAsync(string merchantId, int max, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m AND c.provisional = true").WithParameter("@m", merchantId);
        var result = new List<ReviewNeedDocument>();
        using var feed = cosmos.ReviewNeeds.GetItemQueryIterator<ReviewNeedDocument>(query, requestOptions: Scoring.MerchantStatsProvider.MerchantScan);
        while (feed.HasMoreResults)
        {
            result.AddRange((await feed.ReadNextAsync(cancellationToken)).Where(d => d.MerchantId == merchantId && d.Provisional && d.Text is not null));
        }

        return result.OrderBy(d => d.ReviewedAt).ThenBy(d => d.Id, StringComparer.Ordinal).Take(max).ToList();
    }

    /// <summary>The built-in taxonomy with the merchant's learned merges and edits on top.</summary>
    public async Task<NeedTaxonomy> TaxonomyAsync(string merchantId, CancellationToken cancellationToken) =>
        (await GetTaxonomyAsync(merchantId, cancellationToken))?.ToTaxonomy() ?? NeedTaxonomy.Default;

    public Task<NeedTaxonomyDocument?> GetTaxonomyAsync(string merchantId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<NeedTaxonomyDocument>(cosmos.Insights, NeedTaxonomyDocument.DocumentId, DemandCosmos.MerchantKey(merchantId), cancellationToken);

    /// <summary>Replaces the merchant's edits, keeping learned merges.</summary>
    public Task<NeedTaxonomyDocument> SaveTaxonomyAsync(string merchantId, IReadOnlyDictionary<string, string> synonyms, CancellationToken cancellationToken) =>
        UpdateTaxonomyAsync(merchantId, document => document.Synonyms = new Dictionary<string, string>(synonyms, StringComparer.Ordinal), cancellationToken);

    /// <summary>Adds merges learned from embeddings (never overwriting one already there).</summary>
    public Task<NeedTaxonomyDocument> AddLearnedAsync(string merchantId, IReadOnlyDictionary<string, string> learned, CancellationToken cancellationToken) =>
        UpdateTaxonomyAsync(
            merchantId,
            document =>
            {
                foreach (var (phrase, canonical) in learned)
                {
                    if (document.Learned.Count < NeedTaxonomyDocument.MaxLearned)
                    {
                        document.Learned.TryAdd(phrase, canonical);
                    }
                }
            },
            cancellationToken);

    private Task<NeedTaxonomyDocument> UpdateTaxonomyAsync(string merchantId, Action<NeedTaxonomyDocument> change, CancellationToken cancellationToken) =>
        CosmosDocuments.UpdateAsync(
            cosmos.Insights,
            NeedTaxonomyDocument.DocumentId,
            DemandCosmos.MerchantKey(merchantId),
            () => new NeedTaxonomyDocument { MerchantId = merchantId },
            document =>
            {
                change(document);
                document.UpdatedAt = time.GetUtcNow();
                return true;
            },
            document => document.ETag,
            cancellationToken);

    /// <summary>
    /// Rebuilds the summaries of <paramref name="productIds"/> from their reviews (after mining, after an erasure,
    /// after a taxonomy edit), then the category summaries those products belong to. <paramref name="taxonomy"/>:
    /// the merchant's, when already at hand (null: read it).
    /// </summary>
    public async Task RebuildSummariesAsync(string merchantId, IEnumerable<string> productIds, NeedTaxonomy? taxonomy, CancellationToken cancellationToken)
    {
        taxonomy ??= await TaxonomyAsync(merchantId, cancellationToken);
        var key = DemandCosmos.MerchantKey(merchantId);
        var categories = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var productId in productIds.Distinct(StringComparer.Ordinal))
        {
            var reviews = await ForProductAsync(merchantId, productId, cancellationToken);
            var previous = await GetSummaryAsync(merchantId, productId, cancellationToken);
            var summary = ProductNeedSummary.Build(merchantId, productId, reviews, taxonomy, time.GetUtcNow());
            await cosmos.Insights.UpsertItemAsync(summary, key, cancellationToken: cancellationToken);

            // A product that lost its last reviews (erasure) must leave the category it was counted in, too.
            foreach (var category in new[] { summary.CategoryId, previous?.CategoryId }.OfType<string>())
            {
                categories.Add(category);
            }
        }

        foreach (var categoryId in categories)
        {
            var products = await ProductSummariesAsync(merchantId, categoryId, cancellationToken);
            await cosmos.Insights.UpsertItemAsync(CategoryNeedSummary.Build(merchantId, categoryId, products, time.GetUtcNow()), key, cancellationToken: cancellationToken);
        }
    }

    /// <summary>Rebuilds every product and category summary of a merchant (a taxonomy edit).</summary>
    public async Task RebuildAllSummariesAsync(string merchantId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT c.productId FROM c WHERE c.merchantId = @m AND c.type = @t").WithParameter("@m", merchantId).WithParameter("@t", ProductNeedSummary.DocumentType);
        var products = new List<string>();
        using (var feed = cosmos.Insights.GetItemQueryIterator<ProductIdOnly>(query, requestOptions: new QueryRequestOptions { PartitionKey = DemandCosmos.MerchantKey(merchantId), MaxItemCount = OnePage }))
        {
            while (feed.HasMoreResults)
            {
                products.AddRange((await feed.ReadNextAsync(cancellationToken)).Select(p => p.ProductId));
            }
        }

        await RebuildSummariesAsync(merchantId, products, null, cancellationToken);
    }

    public Task<ProductNeedSummary?> GetSummaryAsync(string merchantId, string productId, CancellationToken cancellationToken) =>
        !CatalogueId.IsValid(productId) ? Task.FromResult<ProductNeedSummary?>(null) : CosmosDocuments.ReadAsync<ProductNeedSummary>(cosmos.Insights, ProductNeedSummary.IdFor(productId), DemandCosmos.MerchantKey(merchantId), cancellationToken);

    public Task<CategoryNeedSummary?> GetCategorySummaryAsync(string merchantId, string categoryId, CancellationToken cancellationToken) =>
        !CatalogueId.IsValid(categoryId) ? Task.FromResult<CategoryNeedSummary?>(null) : CosmosDocuments.ReadAsync<CategoryNeedSummary>(cosmos.Insights, CategoryNeedSummary.IdFor(categoryId), DemandCosmos.MerchantKey(merchantId), cancellationToken);

    /// <summary>Adds one invocation's mining figures to the merchant's month (ETag read-modify-write: concurrent invocations add up).</summary>
    public Task<MiningUsageDocument> AddUsageAsync(string merchantId, int reviews, int fromCache, MiningUsage usage, decimal cost, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var month = MiningUsageDocument.MonthOf(now);
        return CosmosDocuments.UpdateAsync(
            cosmos.Insights,
            MiningUsageDocument.IdFor(month),
            DemandCosmos.MerchantKey(merchantId),
            () => new MiningUsageDocument { MerchantId = merchantId, Month = month },
            document =>
            {
                document.Add(reviews, fromCache, usage, cost, now);
                return true;
            },
            document => document.ETag,
            cancellationToken);
    }

    public Task<MiningUsageDocument?> GetUsageAsync(string merchantId, string month, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<MiningUsageDocument>(cosmos.Insights, MiningUsageDocument.IdFor(month), DemandCosmos.MerchantKey(merchantId), cancellationToken);

    private async Task<List<ProductNeedSummary>> ProductSummariesAsync(string merchantId, string categoryId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m AND c.type = @t AND c.categoryId = @c")
            .WithParameter("@m", merchantId).WithParameter("@t", ProductNeedSummary.DocumentType).WithParameter("@c", categoryId);
        var result = new List<ProductNeedSummary>();
        using var feed = cosmos.Insights.GetItemQueryIterator<ProductNeedSummary>(query, requestOptions: new QueryRequestOptions { PartitionKey = DemandCosmos.MerchantKey(merchantId), MaxItemCount = OnePage });
        while (feed.HasMoreResults)
        {
            result.AddRange((await feed.ReadNextAsync(cancellationToken)).Where(p => p.MerchantId == merchantId && p.CategoryId == categoryId && p.Reviews > 0));
        }

        return result;
    }

    private sealed record ProductIdOnly(string ProductId);
}
