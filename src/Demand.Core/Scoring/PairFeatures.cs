using Demand.Core.Events;
using Demand.Core.Features;

namespace Demand.Core.Scoring;

/// <summary>Why a category is a candidate for a user.</summary>
[Flags]
public enum CandidateSource
{
    None = 0,
    Touched = 1,
    Associated = 2,
    Trending = 4,
}

/// <summary>A (user, candidate category) pair with its feature row.</summary>
public readonly record struct CandidatePair(string CategoryId, CandidateSource Source, string? AssociatedWith, double Lift);

/// <summary>
/// The versioned feature list of the demand model and the one implementation that computes it, used both to
/// export training data and to score — so training and serving cannot skew. Changing anything here changes
/// <see cref="Version"/>, and a model trained on another version is refused at load.
/// </summary>
public static class PairFeatures
{
    public const string Version = "pairs-v2";

    public static IReadOnlyList<string> Names { get; } =
    [
        "view_h1", "view_h7", "view_h30", "search_h7", "cart_h1", "cart_h7", "cart_remove_h7", "wishlist_h30",
        "purchase_h7", "purchase_h30", "log_days_since_view", "log_days_since_purchase", "ever_purchased",
        "cycle_ratio", "own_cycle_ratio", "assoc_lift", "log_days_since_anchor", "popularity", "trend",
        "log_user_activity", "review_sentiment", "src_touched", "src_associated", "src_trending", "anchor_purchased",
    ];

    public static int Count => Names.Count;

    private const double Day = 86_400.0;
    private const double NeverDays = 365.0;

    /// <summary>
    /// Candidate categories: touched + associated (co-purchase lift) with what the user bought or is looking at +
    /// trending. Anchoring on views as well as purchases is what surfaces a life event's bundle early
    /// (looking at strollers → diapers).
    /// </summary>
    public static List<CandidatePair> Candidates(UserFeatures user, MerchantStats stats, int maxAssociated = 10)
    {
        var candidates = new Dictionary<string, CandidatePair>(StringComparer.Ordinal);
        foreach (var category in user.Categories.Keys)
        {
            candidates[category] = new CandidatePair(category, CandidateSource.Touched, null, 0);
        }

        foreach (var (anchor, activity) in user.Categories)
        {
            var engaged = activity.Counts[(int)EventType.Purchase] > 0 || activity.Counts[(int)EventType.CartAdd] > 0 || activity.Counts[(int)EventType.View] > 0;
            if (!engaged || !stats.Lift.TryGetValue(anchor, out var row))
            {
                continue;
            }

            foreach (var (target, lift) in row.OrderByDescending(r => r.Value).Take(maxAssociated))
            {
                if (candidates.TryGetValue(target, out var existing))
                {
                    if (lift > existing.Lift)
                    {
                        candidates[target] = existing with { Source = existing.Source | CandidateSource.Associated, AssociatedWith = anchor, Lift = lift };
                    }
                }
                else
                {
                    candidates[target] = new CandidatePair(target, CandidateSource.Associated, anchor, lift);
                }
            }
        }

        foreach (var trending in stats.Trending)
        {
            candidates[trending] = candidates.TryGetValue(trending, out var existing)
                ? existing with { Source = existing.Source | CandidateSource.Trending }
                : new CandidatePair(trending, CandidateSource.Trending, null, 0);
        }

        // Insertion order is deterministic for a given document; callers rank by score with category id as tie-break.
        return [.. candidates.Values];
    }

    /// <summary>The user's overall activity feature: computed once per user, shared by all their candidate rows.</summary>
    public static double UserActivity(UserFeatures user, long asOf)
    {
        var activity = 0.0;
        foreach (var c in user.Categories.Values)
        {
            activity += user.DecayedAt(c, EventType.View, 2, asOf) + user.DecayedAt(c, EventType.Purchase, 2, asOf);
        }

        return activity;
    }

    /// <summary>Writes the feature row of one pair into <paramref name="row"/> (length <see cref="Count"/>).</summary>
    /// <param name="userActivity">From <see cref="UserActivity"/>; computed here when omitted.</param>
    public static void Compute(UserFeatures user, CandidatePair pair, MerchantStats stats, long asOf, Span<float> row, double? userActivity = null)
    {
        user.Categories.TryGetValue(pair.CategoryId, out var a);
        double D(EventType type, int h) => a is null ? 0 : user.DecayedAt(a, type, h, asOf);
        double DaysSince(long at) => at == 0 ? NeverDays : Math.Clamp((asOf - at) / Day, 0, NeverDays);

        var lastPurchase = a?.LastAt[(int)EventType.Purchase] ?? 0;
        var cycle = stats.CycleDays.GetValueOrDefault(pair.CategoryId);
        var daysSincePurchase = DaysSince(lastPurchase);
        var ownCycle = OwnCycleDays(a);
        var anchorDays = NeverDays;
        var anchorPurchased = 0f;
        if (pair.AssociatedWith is { } anchor && user.Categories.TryGetValue(anchor, out var anchorActivity))
        {
            var last = anchorActivity.LastAt;
            anchorDays = DaysSince(Math.Max(last[(int)EventType.Purchase], Math.Max(last[(int)EventType.CartAdd], last[(int)EventType.View])));
            anchorPurchased = last[(int)EventType.Purchase] > 0 ? 1 : 0;
        }

        var activity = userActivity ?? UserActivity(user, asOf);
        var i = 0;
        row[i++] = (float)D(EventType.View, 0);
        row[i++] = (float)D(EventType.View, 1);
        row[i++] = (float)D(EventType.View, 2);
        row[i++] = (float)D(EventType.Search, 1);
        row[i++] = (float)D(EventType.CartAdd, 0);
        row[i++] = (float)D(EventType.CartAdd, 1);
        row[i++] = (float)D(EventType.CartRemove, 1);
        row[i++] = (float)D(EventType.Wishlist, 2);
        row[i++] = (float)D(EventType.Purchase, 1);
        row[i++] = (float)D(EventType.Purchase, 2);
        row[i++] = (float)Math.Log(1 + DaysSince(a?.LastAt[(int)EventType.View] ?? 0));
        row[i++] = (float)Math.Log(1 + daysSincePurchase);
        row[i++] = lastPurchase == 0 ? 0 : 1;
        row[i++] = lastPurchase == 0 || cycle <= 0 ? 0 : (float)Math.Min(daysSincePurchase / cycle, 5);
        row[i++] = lastPurchase == 0 || ownCycle <= 0 ? 0 : (float)Math.Min(daysSincePurchase / ownCycle, 5);
        row[i++] = (float)Math.Log(1 + pair.Lift);
        row[i++] = (float)Math.Log(1 + anchorDays);
        row[i++] = (float)stats.Popularity.GetValueOrDefault(pair.CategoryId);
        row[i++] = (float)Math.Min(stats.Trend.GetValueOrDefault(pair.CategoryId, 1), 5);
        row[i++] = (float)Math.Log(1 + activity);
        row[i++] = a is { RatingCount: > 0 } ? (float)((a.RatingSum / a.RatingCount - 3) / 2) : 0;
        row[i++] = pair.Source.HasFlag(CandidateSource.Touched) ? 1 : 0;
        row[i++] = pair.Source.HasFlag(CandidateSource.Associated) ? 1 : 0;
        row[i++] = pair.Source.HasFlag(CandidateSource.Trending) ? 1 : 0;
        row[i] = anchorPurchased;
    }

    /// <summary>The user's own median days between purchases in the category (0 when fewer than two).</summary>
    public static double OwnCycleDays(CategoryActivity? activity)
    {
        if (activity is null || activity.PurchaseTimes.Count < 2)
        {
            return 0;
        }

        Span<double> gaps = stackalloc double[activity.PurchaseTimes.Count - 1];
        for (var i = 1; i < activity.PurchaseTimes.Count; i++)
        {
            gaps[i - 1] = (activity.PurchaseTimes[i] - activity.PurchaseTimes[i - 1]) / Day;
        }

        gaps.Sort();
        return gaps[gaps.Length / 2];
    }
}
