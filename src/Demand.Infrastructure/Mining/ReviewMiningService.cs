using Demand.Core.Identifiers;
using Demand.Core.Messaging;
using Demand.Core.Mining;
using Demand.Core.Storage;
using Demand.Infrastructure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Demand.Infrastructure.Mining;

/// <summary>What one <c>mine-requests</c> message did.</summary>
public sealed record MiningReport(int Reviews, int FromCache, int Mined, int Provisional, int Remined, MiningUsage Usage, decimal Cost);

/// <summary>
/// Reviews → needs (cached per review by text + miner version) → the reviewers' profiles, product and category
/// summaries, and the merchant's usage. Safe to retry: cached reviews are not mined again, profile merges replace
/// a review's evidence, summaries are rebuilt from the stored reviews.
/// </summary>
public sealed partial class ReviewMiningService(
    INeedMiner miner,
    CosmosReviewNeedStore store,
    IProfileStore profiles,
    IEnumerable<INeedEmbedder> embedders,
    IOptions<MiningOptions> options,
    IOptions<OpenAiMinerOptions> openAi,
    TimeProvider time,
    ILogger<ReviewMiningService> logger)
{
    private readonly INeedEmbedder? embedder = embedders.FirstOrDefault();

    public async Task<MiningReport> MineAsync(MineRequest message, CancellationToken cancellationToken)
    {
        // Checked before anything is read or written: a message naming no valid merchant can never succeed on a retry.
        if (!MerchantId.TryParse(message.MerchantId, out var merchant, out var reason))
        {
            throw new InvalidDataException($"The mine request's merchant id is invalid: {reason}.");
        }

        var merchantId = merchant.Value;
        var reviews = message.Reviews.GroupBy(r => (r.ProductId, r.ReviewId)).Select(g => g.First()).ToList();
        var cached = await Task.WhenAll(reviews.Select(r => store.GetAsync(merchantId, r.ProductId, r.ReviewId, cancellationToken)));
        var documents = new List<ReviewNeedDocument>(reviews.Count);
        var toMine = new List<ReviewToMine>();
        for (var i = 0; i < reviews.Count; i++)
        {
            if (cached[i] is { Provisional: false } hit && hit.CacheKey == ReviewNeedDocument.CacheKeyOf(reviews[i].Text, miner.Version))
            {
                documents.Add(hit);
            }
            else
            {
                toMine.Add(reviews[i]);
            }
        }

        var fromCache = documents.Count;
        var (mined, usage) = await MineAndSaveAsync(merchantId, toMine, cancellationToken);
        documents.AddRange(mined);
        var remined = 0;

        // The LLM just answered for new reviews without falling back: sweep up earlier provisional results of this
        // merchant while it does (an invocation served from cache proves nothing about the endpoint, so it does not).
        if (miner is not IOfflineNeedMiner && options.Value.ProvisionalSweep > 0 && mined.Count > 0 && !mined.Exists(d => d.Provisional))
        {
            var taken = documents.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            var pending = (await store.ProvisionalAsync(merchantId, options.Value.ProvisionalSweep + taken.Count, cancellationToken))
                .Where(d => !taken.Contains(d.Id)).Take(options.Value.ProvisionalSweep)
                .Select(d => new ReviewToMine
                {
                    ReviewId = d.ReviewId, UserId = d.UserId, ProductId = d.ProductId, CategoryId = d.CategoryId, Rating = d.Rating,
                    Text = d.Text!, Language = d.Language, Timestamp = d.ReviewedAt,
                })
                .ToList();
            var (again, againUsage) = await MineAndSaveAsync(merchantId, pending, cancellationToken);
            documents.AddRange(again);
            usage += againUsage;
            remined = again.Count(d => !d.Provisional);
        }

        var taxonomy = await store.TaxonomyAsync(merchantId, cancellationToken);
        (taxonomy, var embeddingTokens) = await LearnPhrasesAsync(merchantId, documents, taxonomy, cancellationToken);
        usage += new MiningUsage(InputTokens: embeddingTokens);
        var cost = options.Value.CostOf(usage);
        if (toMine.Count > 0 || remined > 0 || fromCache > 0)
        {
            await store.AddUsageAsync(merchantId, reviews.Count, fromCache, usage, cost, cancellationToken);
        }

        foreach (var byUser in documents.GroupBy(d => d.UserId, StringComparer.Ordinal))
        {
            // Reviews stored before ids were validated may name a shopper no profile document can hold: skip them.
            if (UserId.TryParse(byUser.Key, out var userId))
            {
                await profiles.UpdateAsync(merchant, userId, profile => ProfileNeeds.Merge(profile, byUser, taxonomy), cancellationToken);
            }
        }

        await store.RebuildSummariesAsync(merchantId, documents.Select(d => d.ProductId), taxonomy, cancellationToken);
        return new MiningReport(reviews.Count, fromCache, toMine.Count, documents.Count(d => d.Provisional), remined, usage, cost);
    }

    /// <summary>
    /// Merges need phrases the merchant's taxonomy has not seen into the nearest canonical phrase by embedding
    /// (when an embedding model is configured). A failure only postpones learning: the phrases stay unseen and are
    /// tried again with the next reviews that use them.
    /// </summary>
    private async Task<(NeedTaxonomy Taxonomy, long Tokens)> LearnPhrasesAsync(string merchantId, List<ReviewNeedDocument> documents, NeedTaxonomy taxonomy, CancellationToken cancellationToken)
    {
        if (embedder is null)
        {
            return (taxonomy, 0);
        }

        var unseen = NeedPhraseMerging.Unseen(documents.SelectMany(d => d.Needs.Where(n => n.IsNeed).Select(n => n.Need)), taxonomy);
        if (unseen.Count == 0)
        {
            return (taxonomy, 0);
        }

        try
        {
            var canonical = taxonomy.CanonicalPhrases;
            var embedded = await embedder.EmbedAsync([.. unseen, .. canonical], cancellationToken);
            var vectors = embedded.Vectors;
            var learned = NeedPhraseMerging.Merge(unseen, vectors.Take(unseen.Count).ToList(), canonical, vectors.Skip(unseen.Count).ToList(), openAi.Value.MergeThreshold);
            var document = await store.AddLearnedAsync(merchantId, learned, cancellationToken);
            LogLearned(logger, learned.Count(l => l.Key != l.Value), learned.Count, merchantId);
            return (document.ToTaxonomy(), embedded.Tokens);
        }
        catch (Exception ex) when (ex is System.ClientModel.ClientResultException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LogLearningFailed(logger, merchantId, ex.Message);
            return (taxonomy, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Need taxonomy: merged {Merged} of {Unseen} unseen phrases of {MerchantId} by embedding")]
    private static partial void LogLearned(ILogger logger, int merged, int unseen, string merchantId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Need taxonomy: embedding unseen phrases of {MerchantId} failed ({Reason}); tried again later")]
    private static partial void LogLearningFailed(ILogger logger, string merchantId, string reason);

    /// <summary>Mines reviews in one call and stores their documents (in parallel: each is its own upsert).</summary>
    private async Task<(List<ReviewNeedDocument> Documents, MiningUsage Usage)> MineAndSaveAsync(string merchantId, List<ReviewToMine> reviews, CancellationToken cancellationToken)
    {
        if (reviews.Count == 0)
        {
            return ([], MiningUsage.None);
        }

        var outcome = await miner.MineAsync(reviews.Select(r => new ReviewInput(r.ReviewId, r.Text, r.Rating, r.ProductId, r.CategoryId, r.Language)).ToList(), cancellationToken);
        var documents = reviews.Select((r, i) => Document(merchantId, r, outcome.Reviews[i])).ToList();
        await Task.WhenAll(documents.Select(d => store.SaveAsync(d, cancellationToken)));
        return (documents, outcome.Usage);
    }

    private ReviewNeedDocument Document(string merchantId, ReviewToMine review, MinedReview result) => new()
    {
        Id = review.ReviewId,
        MerchantId = merchantId,
        ProductId = review.ProductId,
        CategoryId = review.CategoryId,
        UserId = review.UserId,
        ReviewId = review.ReviewId,
        CacheKey = ReviewNeedDocument.CacheKeyOf(review.Text, miner.Version),
        MinerVersion = miner.Version,
        Rating = review.Rating,
        ReviewedAt = review.Timestamp,
        Provisional = result.Provisional,
        Text = result.Provisional ? review.Text : null,
        Language = review.Language,
        Needs = result.Needs.ToList(),
        MinedAt = time.GetUtcNow(),
    };
}
