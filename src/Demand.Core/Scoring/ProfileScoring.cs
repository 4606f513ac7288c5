using Demand.Core.Events;
using Demand.Core.Features;
using Demand.Core.Profiles;

namespace Demand.Core.Scoring;

/// <summary>
/// Turns model probabilities into what a profile says: top-K categories with an expected next-purchase date
/// (from the user's own or the merchant's typical purchase interval) and the top reasons. Reasons are
/// occlusion attributions: each signal group's features are reset to "absent" and the row rescored; the drop
/// in probability is that signal's weight. They explain this model's score, not causality.
/// </summary>
public static class ProfileScoring
{
    /// <summary>Signal groups of the feature list and the value each feature takes when the signal is absent.</summary>
    public static IReadOnlyList<(string Name, int[] Features)> Signals { get; } =
    [
        ("recent views", [0, 1, 2, 10]),
        ("searches", [3]),
        ("cart activity", [4, 5, 6]),
        ("wishlist", [7]),
        ("repurchase cycle", [8, 9, 11, 12, 13, 14]),
        ("complement", [15, 16, 22, 24]),
        ("trending", [18, 23]),
    ];

    private static readonly float NeverLog = (float)Math.Log(1 + 365.0);

    /// <summary>
    /// Every candidate pair of <paramref name="users"/> as of <paramref name="at"/> with its feature row (rows laid end
    /// to end, <see cref="PairFeatures.Count"/> wide): what a batch scores, for profiles and for outcome snapshots alike.
    /// </summary>
    public static (List<(int User, CandidatePair Pair)> Pairs, float[] Rows) Expand(IReadOnlyList<UserFeatures> users, MerchantStats stats, long at)
    {
        var pairs = new List<(int User, CandidatePair Pair)>();
        var rows = new List<float>();
        var row = new float[PairFeatures.Count];
        for (var u = 0; u < users.Count; u++)
        {
            var activity = PairFeatures.UserActivity(users[u], at);
            foreach (var pair in PairFeatures.Candidates(users[u], stats))
            {
                PairFeatures.Compute(users[u], pair, stats, at, row, activity);
                rows.AddRange(row);
                pairs.Add((u, pair));
            }
        }

        return (pairs, rows.ToArray());
    }

    /// <summary>Writes the occluded copies of <paramref name="row"/> (one per signal) into <paramref name="destination"/>.</summary>
    public static void Occlude(ReadOnlySpan<float> row, Span<float> destination)
    {
        for (var s = 0; s < Signals.Count; s++)
        {
            var target = destination.Slice(s * row.Length, row.Length);
            row.CopyTo(target);
            foreach (var f in Signals[s].Features)
            {
                target[f] = f is 10 or 11 or 16 ? NeverLog : f == 18 ? 1f : 0f;
            }
        }
    }

    public static string Describe(string signal, UserFeatures user, CandidatePair pair, long asOf)
    {
        user.Categories.TryGetValue(pair.CategoryId, out var a);
        return signal switch
        {
            "recent views" when a is not null => $"viewed {a.Counts[(int)EventType.View]}× (last {DaysAgo(a.LastAt[(int)EventType.View], asOf)})",
            "searches" => "searched for it",
            "cart activity" => "added to cart recently",
            "wishlist" => "on wishlist",
            "repurchase cycle" when a is not null && a.PurchaseTimes.Count > 0 => $"last bought {DaysAgo(a.LastAt[(int)EventType.Purchase], asOf)}; buys about every {Math.Round(PairFeatures.OwnCycleDays(a) is > 0 and var d ? d : 0)} days".Replace("; buys about every 0 days", "", StringComparison.Ordinal),
            "complement" when pair.AssociatedWith is not null => $"bought {pair.AssociatedWith} (complement, lift {pair.Lift:F1})",
            "trending" => "trending with this merchant's shoppers",
            _ => signal,
        };
    }

    /// <summary>Expected next purchase date from the user's own interval, else the merchant's typical cycle.</summary>
    public static DateOnly? ExpectedNextPurchase(UserFeatures user, string categoryId, MerchantStats stats, long asOf)
    {
        if (!user.Categories.TryGetValue(categoryId, out var a) || a.PurchaseTimes.Count == 0)
        {
            return null;
        }

        var cycle = PairFeatures.OwnCycleDays(a);
        if (cycle <= 0)
        {
            cycle = stats.CycleDays.GetValueOrDefault(categoryId);
        }

        if (cycle <= 0)
        {
            return null;
        }

        var next = Math.Max(a.PurchaseTimes[^1] + (long)(cycle * 86_400), asOf);
        return DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeSeconds(next).UtcDateTime);
    }

    private static string DaysAgo(long at, long asOf) => at == 0 ? "never" : Math.Max(0, (asOf - at) / 86_400) switch
    {
        0 => "today",
        1 => "yesterday",
        var d => d + " days ago",
    };

    public static CategoryPropensity Propensity(string categoryId, double probability, DateOnly? next, IEnumerable<Reason> reasons) =>
        new() { CategoryId = categoryId, Propensity = Math.Round(probability, 4), ExpectedNextPurchase = next, Reasons = reasons.ToList() };
}
