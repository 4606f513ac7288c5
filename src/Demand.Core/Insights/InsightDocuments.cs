using System.Text.Json.Serialization;
using Demand.Core.Profiles;

namespace Demand.Core.Insights;

/// <summary>One page of a category segment: shoppers by propensity, highest first (<c>segment.{categoryId}.{page}</c> in <c>insights</c>).</summary>
public sealed class SegmentPage
{
    public const int PageSize = 100;

    [JsonPropertyName("id")]
    public string Id => IdFor(CategoryId, Page);

    public required string MerchantId { get; init; }

    public string Type { get; init; } = "segment";

    public required string CategoryId { get; init; }

    public required int Page { get; init; }

    public required int Pages { get; init; }

    public required DateTimeOffset BuiltAt { get; init; }

    public List<SegmentMember> Members { get; init; } = [];

    public static string IdFor(string categoryId, int page) => $"segment.{categoryId}.{page}";
}

public sealed record SegmentMember(string UserId, double Propensity);

/// <summary>Expected buyers per category in the next 7 days (<c>demand.forecast</c> in <c>insights</c>).</summary>
public sealed class DemandForecast
{
    public const string DocumentId = "demand.forecast";

    [JsonPropertyName("id")]
    public string Id { get; init; } = DocumentId;

    public required string MerchantId { get; init; }

    public string Type { get; init; } = "demandForecast";

    public required DateTimeOffset BuiltAt { get; init; }

    public List<CategoryForecast> Categories { get; init; } = [];
}

public sealed record CategoryForecast(string CategoryId, double ExpectedBuyers, double? LastWeekExpectedBuyers, int Shoppers);

/// <summary>
/// Builds segments and the forecast from a merchant's profiles in one pass, holding only (shopper, propensity) per
/// category — never the profiles themselves, which the store streams page by page.
/// </summary>
public sealed class InsightBuilder
{
    private readonly Dictionary<string, List<SegmentMember>> _members = new(StringComparer.Ordinal);

    /// <summary>Adds one shopper's profile.</summary>
    public void Add(ProfileDocument profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        foreach (var category in profile.Categories)
        {
            if (!_members.TryGetValue(category.CategoryId, out var members))
            {
                _members[category.CategoryId] = members = [];
            }

            members.Add(new SegmentMember(profile.UserId, category.Propensity));
        }
    }

    public List<SegmentPage> Segments(string merchantId, DateTimeOffset now)
    {
        var pages = new List<SegmentPage>();
        foreach (var (categoryId, members) in _members.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // Stable order (propensity, then user id) so continuation tokens never skip or repeat a shopper.
            members.Sort((a, b) => b.Propensity.CompareTo(a.Propensity) is var byPropensity and not 0 ? byPropensity : string.CompareOrdinal(a.UserId, b.UserId));
            var count = (members.Count + SegmentPage.PageSize - 1) / SegmentPage.PageSize;
            for (var page = 0; page < count; page++)
            {
                pages.Add(new SegmentPage
                {
                    MerchantId = merchantId,
                    CategoryId = categoryId,
                    Page = page,
                    Pages = count,
                    BuiltAt = now,
                    Members = members.GetRange(page * SegmentPage.PageSize, Math.Min(SegmentPage.PageSize, members.Count - (page * SegmentPage.PageSize))),
                });
            }
        }

        return pages;
    }

    public DemandForecast Forecast(string merchantId, DemandForecast? previous, DateTimeOffset now) => new()
    {
        MerchantId = merchantId,
        BuiltAt = now,
        Categories = _members
            .Select(g => new CategoryForecast(
                g.Key,
                Math.Round(g.Value.Sum(m => m.Propensity), 2),
                previous?.Categories.FirstOrDefault(c => c.CategoryId == g.Key)?.ExpectedBuyers,
                g.Value.Count))
            .OrderByDescending(c => c.ExpectedBuyers)
            .ToList(),
    };
}
