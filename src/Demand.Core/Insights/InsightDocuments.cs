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

/// <summary>Builds segments and the forecast from profiles.</summary>
public static class InsightBuilder
{
    public static List<SegmentPage> Segments(string merchantId, IEnumerable<ProfileDocument> profiles, DateTimeOffset now)
    {
        var byCategory = profiles
            .SelectMany(p => p.Categories.Select(c => (c.CategoryId, Member: new SegmentMember(p.UserId, c.Propensity))))
            .GroupBy(x => x.CategoryId, StringComparer.Ordinal);
        var pages = new List<SegmentPage>();
        foreach (var group in byCategory.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            // Stable order (propensity, then user id) so continuation tokens never skip or repeat a shopper.
            var members = group.Select(x => x.Member).OrderByDescending(m => m.Propensity).ThenBy(m => m.UserId, StringComparer.Ordinal).ToList();
            var count = (members.Count + SegmentPage.PageSize - 1) / SegmentPage.PageSize;
            for (var page = 0; page < count; page++)
            {
                pages.Add(new SegmentPage
                {
                    MerchantId = merchantId,
                    CategoryId = group.Key,
                    Page = page,
                    Pages = count,
                    BuiltAt = now,
                    Members = members.Skip(page * SegmentPage.PageSize).Take(SegmentPage.PageSize).ToList(),
                });
            }
        }

        return pages;
    }

    public static DemandForecast Forecast(string merchantId, IEnumerable<ProfileDocument> profiles, DemandForecast? previous, DateTimeOffset now) => new()
    {
        MerchantId = merchantId,
        BuiltAt = now,
        Categories = profiles
            .SelectMany(p => p.Categories)
            .GroupBy(c => c.CategoryId, StringComparer.Ordinal)
            .Select(g => new CategoryForecast(
                g.Key,
                Math.Round(g.Sum(c => c.Propensity), 2),
                previous?.Categories.FirstOrDefault(c => c.CategoryId == g.Key)?.ExpectedBuyers,
                g.Count()))
            .OrderByDescending(c => c.ExpectedBuyers)
            .ToList(),
    };
}
