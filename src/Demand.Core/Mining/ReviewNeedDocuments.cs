using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Demand.Core.Mining;

/// <summary>
/// The <c>reviewNeeds</c> document of one review (partition merchantId/productId): its mined needs, with the hash
/// of text + miner version that decides whether re-ingesting the review needs mining again (it does not).
/// </summary>
public sealed class ReviewNeedDocument
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    public required string MerchantId { get; init; }

    public required string ProductId { get; init; }

    public string? CategoryId { get; init; }

    public required string UserId { get; init; }

    public required string ReviewId { get; init; }

    public required string CacheKey { get; init; }

    public required string MinerVersion { get; init; }

    public int? Rating { get; init; }

    public required DateTimeOffset ReviewedAt { get; init; }

    /// <summary>Mined by the offline fallback while the LLM was unavailable: mined again later (see <see cref="Text"/>).</summary>
    public bool Provisional { get; init; }

    /// <summary>The review text, kept only while <see cref="Provisional"/> so it can be re-mined; null otherwise.</summary>
    public string? Text { get; init; }

    public string? Language { get; init; }

    public DateTimeOffset? MinedAt { get; init; }

    public List<MinedNeed> Needs { get; init; } = [];

    public static string CacheKeyOf(string text, string minerVersion) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(minerVersion + "\n" + text)).AsSpan(0, 16));
}

/// <summary>One need's standing for a product: how many reviews mention it and how that moved week over week.</summary>
public sealed record ProductNeedShare(string Need, string Aspect, string Polarity, int Mentions, double Share, int ThisWeek, int LastWeek, IReadOnlyList<string>? Quotes = null);

/// <summary>The <c>insights</c> document <c>productNeeds.{productId}</c>: what customers say is missing from a product.</summary>
public sealed class ProductNeedSummary
{
    public const string DocumentType = "productNeeds";

    [JsonPropertyName("id")]
    public string Id => IdFor(ProductId);

    public required string MerchantId { get; init; }

    public string Type { get; init; } = DocumentType;

    public required string ProductId { get; init; }

    public string? CategoryId { get; init; }

    public int Reviews { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public List<ProductNeedShare> Needs { get; init; } = [];

    public static string IdFor(string productId) => "productNeeds." + productId;

    /// <summary>Review quotes kept per need as evidence.</summary>
    public const int MaxQuotes = 3;

    /// <summary>
    /// Shares over the product's reviews, needs merged through the merchant's <paramref name="taxonomy"/>; the trend
    /// compares the last 7 days with the 7 before (up to the newest review).
    /// </summary>
    public static ProductNeedSummary Build(string merchantId, string productId, IReadOnlyList<ReviewNeedDocument> reviews, NeedTaxonomy taxonomy, DateTimeOffset now)
    {
        var latest = reviews.Count == 0 ? now : reviews.Max(r => r.ReviewedAt);
        var needs = reviews
            .SelectMany(r => r.Needs.Where(n => n.IsOpinion).Select(n => (Review: r, Need: n)))
            .GroupBy(x => (Need: taxonomy.Label(x.Need), x.Need.Aspect, x.Need.Polarity))
            .Select(g =>
            {
                var mentions = g.Select(x => x.Review.ReviewId).Distinct().Count();
                return new ProductNeedShare(
                    g.Key.Need, g.Key.Aspect, g.Key.Polarity, mentions, Math.Round(mentions / (double)Math.Max(1, reviews.Count), 4),
                    g.Where(x => x.Review.ReviewedAt > latest.AddDays(-7)).Select(x => x.Review.ReviewId).Distinct().Count(),
                    g.Where(x => x.Review.ReviewedAt <= latest.AddDays(-7) && x.Review.ReviewedAt > latest.AddDays(-14)).Select(x => x.Review.ReviewId).Distinct().Count(),
                    // The customers' own words as evidence, newest first; erasing a shopper rebuilds the summary without theirs.
                    g.OrderByDescending(x => x.Review.ReviewedAt).ThenBy(x => x.Review.ReviewId, StringComparer.Ordinal)
                        .Select(x => x.Need.Evidence).Where(e => !string.IsNullOrWhiteSpace(e)).Distinct(StringComparer.Ordinal).Take(MaxQuotes).ToList());
            })
            .OrderByDescending(n => n.Polarity == "negative").ThenByDescending(n => n.Mentions).ThenBy(n => n.Need, StringComparer.Ordinal)
            .ToList();
        return new ProductNeedSummary
        {
            MerchantId = merchantId,
            ProductId = productId,
            CategoryId = reviews.Select(r => r.CategoryId).FirstOrDefault(c => c is not null),
            Reviews = reviews.Count,
            UpdatedAt = now,
            Needs = needs,
        };
    }
}

/// <summary>One unmet need across a category: negative mentions summed over its products.</summary>
public sealed record CategoryNeedShare(string Need, string Aspect, int Mentions, double Share, int Products, int ThisWeek, int LastWeek, IReadOnlyList<string> TopProducts);

/// <summary>
/// The <c>insights</c> document <c>categoryNeeds.{categoryId}</c>: what a category's shoppers complain about across
/// products — the unmet needs a merchant could source or build for. Rebuilt from the product summaries.
/// </summary>
public sealed class CategoryNeedSummary
{
    public const string DocumentType = "categoryNeeds";

    [JsonPropertyName("id")]
    public string Id => IdFor(CategoryId);

    public required string MerchantId { get; init; }

    public string Type { get; init; } = DocumentType;

    public required string CategoryId { get; init; }

    public int Products { get; init; }

    public int Reviews { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public List<CategoryNeedShare> Needs { get; init; } = [];

    public static string IdFor(string categoryId) => "categoryNeeds." + categoryId;

    /// <summary>Negative needs only (praise is not unmet), ranked by mentions; share is over all the category's reviews.</summary>
    public static CategoryNeedSummary Build(string merchantId, string categoryId, IReadOnlyList<ProductNeedSummary> products, DateTimeOffset now)
    {
        var reviews = products.Sum(p => p.Reviews);
        var needs = products
            .SelectMany(p => p.Needs.Where(n => n.Polarity == "negative").Select(n => (Product: p, Need: n)))
            .GroupBy(x => (x.Need.Need, x.Need.Aspect))
            .Select(g =>
            {
                var mentions = g.Sum(x => x.Need.Mentions);
                return new CategoryNeedShare(
                    g.Key.Need, g.Key.Aspect, mentions, Math.Round(mentions / (double)Math.Max(1, reviews), 4), g.Count(),
                    g.Sum(x => x.Need.ThisWeek), g.Sum(x => x.Need.LastWeek),
                    g.OrderByDescending(x => x.Need.Mentions).ThenBy(x => x.Product.ProductId, StringComparer.Ordinal).Take(5).Select(x => x.Product.ProductId).ToList());
            })
            .OrderByDescending(n => n.Mentions).ThenBy(n => n.Need, StringComparer.Ordinal)
            .ToList();
        return new CategoryNeedSummary { MerchantId = merchantId, CategoryId = categoryId, Products = products.Count, Reviews = reviews, UpdatedAt = now, Needs = needs };
    }
}

/// <summary>
/// The <c>insights</c> document <c>miningUsage.{yyyy-MM}</c>: a merchant's mining volume and LLM spend for a month,
/// so the bill per merchant is visible before the invoice is.
/// </summary>
public sealed class MiningUsageDocument
{
    [JsonPropertyName("id")]
    public string Id => IdFor(Month);

    public required string MerchantId { get; init; }

    /// <summary><c>yyyy-MM</c> (UTC).</summary>
    public required string Month { get; init; }

    public long Reviews { get; set; }

    public long FromCache { get; set; }

    public long Requests { get; set; }

    public long Retries { get; set; }

    public long InputTokens { get; set; }

    public long OutputTokens { get; set; }

    public long DroppedNeeds { get; set; }

    public long FallbackReviews { get; set; }

    public decimal EstimatedCost { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    [JsonPropertyName("_etag")]
    public string? ETag { get; set; }

    public static string MonthOf(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

    public static string IdFor(string month) => "miningUsage." + month;

    /// <summary>Adds one invocation's figures.</summary>
    public void Add(int reviews, int fromCache, MiningUsage usage, decimal cost, DateTimeOffset now)
    {
        Reviews += reviews;
        FromCache += fromCache;
        Requests += usage.Requests;
        Retries += usage.Retries;
        InputTokens += usage.InputTokens;
        OutputTokens += usage.OutputTokens;
        DroppedNeeds += usage.DroppedNeeds;
        FallbackReviews += usage.FallbackReviews;
        EstimatedCost += cost;
        UpdatedAt = now;
    }
}
