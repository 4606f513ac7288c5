using System.Text.Json.Serialization;
using Demand.Core.Events;

namespace Demand.Core.Features;

/// <summary>
/// Per-user feature state: the <c>features</c> container document (partition key merchantId/userId),
/// also used as the per-part partial aggregate that ingestion merges into it exactly once.
/// </summary>
public sealed class UserFeatures
{
    public const int MaxSearches = 20;
    public const int MaxMergedParts = 512;

    [JsonPropertyName("id")]
    public required string Id { get; init; }

    public required string MerchantId { get; init; }

    public required string UserId { get; init; }

    /// <summary>The latest event time seen (each category keeps its own reference time for its counters).</summary>
    public long ReferenceTime { get; set; }

    public long FirstSeen { get; set; }

    public long LastSeen { get; set; }

    public long EventCount { get; set; }

    public Dictionary<string, CategoryActivity> Categories { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Recent search terms, newest last.</summary>
    public List<string> Searches { get; set; } = [];

    /// <summary>Source parts (and real-time batches) already merged: the exactly-once ledger.</summary>
    public List<string> MergedParts { get; set; } = [];

    [JsonPropertyName("_etag")]
    public string? ETag { get; set; }

    public static UserFeatures Create(string merchantId, string userId) =>
        new() { Id = userId, MerchantId = merchantId, UserId = userId };

    /// <summary>Adds one event (any order).</summary>
    public void Observe(EventType type, string? categoryId, long unixSeconds, double spend = 0, int? rating = null)
    {
        ReferenceTime = Math.Max(ReferenceTime, unixSeconds);
        EventCount++;
        FirstSeen = FirstSeen == 0 ? unixSeconds : Math.Min(FirstSeen, unixSeconds);
        LastSeen = Math.Max(LastSeen, unixSeconds);
        if (categoryId is null)
        {
            return;
        }

        if (!Categories.TryGetValue(categoryId, out var activity))
        {
            activity = new CategoryActivity();
            Categories[categoryId] = activity;
        }

        activity.AdvanceTo(unixSeconds);
        var age = activity.ReferenceTime - unixSeconds;
        var decayed = activity.Decayed.AsSpan(CategoryActivity.Index(type, 0), HalfLives.Count);
        for (var h = 0; h < HalfLives.Count; h++)
        {
            // Most events are the newest of their category (age 0, weight exactly 1): no exp needed.
            decayed[h] += age == 0 ? 1.0 : HalfLives.Decay(age, h);
        }

        activity.Counts[(int)type]++;
        activity.LastAt[(int)type] = Math.Max(activity.LastAt[(int)type], unixSeconds);
        switch (type)
        {
            case EventType.Purchase:
                activity.AddPurchaseTime(unixSeconds);
                activity.Spend += spend;
                break;
            case EventType.Return:
                activity.Spend -= spend;
                break;
            case EventType.Review when rating is >= 1 and <= 5:
                activity.RatingSum += rating.Value;
                activity.RatingCount++;
                break;
        }
    }

    public void AddSearch(string term)
    {
        Searches.Remove(term);
        Searches.Add(term);
        if (Searches.Count > MaxSearches)
        {
            Searches.RemoveAt(0);
        }
    }

    /// <summary>Merges a partial aggregate (same merchant and user) into this state.</summary>
    public void Merge(UserFeatures partial)
    {
        if (partial.EventCount == 0)
        {
            return;
        }

        ReferenceTime = Math.Max(ReferenceTime, partial.ReferenceTime);
        EventCount += partial.EventCount;
        Span<double> factors = stackalloc double[HalfLives.Count];
        FirstSeen = FirstSeen == 0 ? partial.FirstSeen : Math.Min(FirstSeen, partial.FirstSeen);
        LastSeen = Math.Max(LastSeen, partial.LastSeen);
        foreach (var (categoryId, source) in partial.Categories)
        {
            if (!Categories.TryGetValue(categoryId, out var target))
            {
                target = new CategoryActivity();
                Categories[categoryId] = target;
            }

            target.AdvanceTo(source.ReferenceTime);
            var shift = target.ReferenceTime - source.ReferenceTime;
            for (var h = 0; h < HalfLives.Count; h++)
            {
                factors[h] = HalfLives.Decay(shift, h);
            }

            for (var i = 0; i < source.Decayed.Length; i++)
            {
                target.Decayed[i] += source.Decayed[i] * factors[i % HalfLives.Count];
            }

            for (var t = 0; t < EventTypes.Count; t++)
            {
                target.Counts[t] += source.Counts[t];
                target.LastAt[t] = Math.Max(target.LastAt[t], source.LastAt[t]);
            }

            foreach (var p in source.PurchaseTimes)
            {
                target.AddPurchaseTime(p);
            }

            target.RatingSum += source.RatingSum;
            target.RatingCount += source.RatingCount;
            target.Spend += source.Spend;
        }

        foreach (var term in partial.Searches)
        {
            AddSearch(term);
        }
    }

    /// <summary>Records a merged part id; returns false when it was already merged.</summary>
    public bool TryMarkMerged(string partId)
    {
        if (MergedParts.Contains(partId))
        {
            return false;
        }

        MergedParts.Add(partId);
        if (MergedParts.Count > MaxMergedParts)
        {
            MergedParts.RemoveAt(0);
        }

        return true;
    }

    /// <summary>A decayed counter's value as of <paramref name="asOfUnixSeconds"/>.</summary>
    public double DecayedAt(CategoryActivity activity, EventType type, int halfLife, long asOfUnixSeconds) =>
        activity.Decayed[CategoryActivity.Index(type, halfLife)] * HalfLives.Decay(asOfUnixSeconds - activity.ReferenceTime, halfLife);
}
