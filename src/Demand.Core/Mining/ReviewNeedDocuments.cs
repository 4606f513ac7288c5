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

    public bool Provisional { get; init; }

    public List<MinedNeed> Needs { get; init; } = [];

    public static string CacheKeyOf(string text, string minerVersion) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(minerVersion + "\n" + text)).AsSpan(0, 16));
}

/// <summary>One need's standing for a product: how many reviews mention it and how that moved week over week.</summary>
public sealed record ProductNeedShare(string Need, string Aspect, string Polarity, int Mentions, double Share, int ThisWeek, int LastWeek);

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

    /// <summary>Shares over the product's reviews; the trend compares the last 7 days with the 7 before (up to the newest review).</summary>
    public static ProductNeedSummary Build(string merchantId, string productId, IReadOnlyList<ReviewNeedDocument> reviews, DateTimeOffset now)
    {
        var latest = reviews.Count == 0 ? now : reviews.Max(r => r.ReviewedAt);
        var needs = reviews
            .SelectMany(r => r.Needs.Select(n => (Review: r, Need: n)))
            .GroupBy(x => (x.Need.Need, x.Need.Aspect, x.Need.Polarity))
            .Select(g =>
            {
                var mentions = g.Select(x => x.Review.ReviewId).Distinct().Count();
                return new ProductNeedShare(
                    g.Key.Need, g.Key.Aspect, g.Key.Polarity, mentions, Math.Round(mentions / (double)Math.Max(1, reviews.Count), 4),
                    g.Where(x => x.Review.ReviewedAt > latest.AddDays(-7)).Select(x => x.Review.ReviewId).Distinct().Count(),
                    g.Where(x => x.Review.ReviewedAt <= latest.AddDays(-7) && x.Review.ReviewedAt > latest.AddDays(-14)).Select(x => x.Review.ReviewId).Distinct().Count());
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
