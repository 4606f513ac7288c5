using System.Text.Json.Serialization;

namespace Demand.Core.Profiles;

/// <summary>The <c>profiles</c> container document (partition key merchantId/userId): what storefronts read.</summary>
public sealed class ProfileDocument
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    public required string MerchantId { get; init; }

    public required string UserId { get; init; }

    public DateTimeOffset UpdatedAt { get; set; }

    public string? ModelVersion { get; set; }

    public List<CategoryPropensity> Categories { get; set; } = [];

    public List<UserNeed> Needs { get; set; } = [];

    [JsonPropertyName("_etag")]
    public string? ETag { get; set; }

    public static ProfileDocument Create(string merchantId, string userId) =>
        new() { Id = userId, MerchantId = merchantId, UserId = userId };
}

public sealed class CategoryPropensity
{
    public required string CategoryId { get; init; }

    public required double Propensity { get; init; }

    public DateOnly? ExpectedNextPurchase { get; init; }

    public List<Reason> Reasons { get; init; } = [];
}

public sealed record Reason(string Signal, double Weight);

public sealed class UserNeed
{
    public required string Need { get; init; }

    public required string Aspect { get; init; }

    public required string Polarity { get; init; }

    public required int Severity { get; init; }

    public string? ProductId { get; init; }

    public string? CategoryId { get; init; }

    public List<NeedEvidence> Evidence { get; init; } = [];

    /// <summary>Every piece of evidence so far comes from provisional (offline fallback) mining.</summary>
    public bool Provisional { get; set; }
}

public sealed record NeedEvidence(string ReviewId, string Text);
