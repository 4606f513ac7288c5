using System.Text.Json.Serialization;
using Demand.Core.Events;
using Demand.Core.Features;

namespace Demand.Core.Scoring;

/// <summary>
/// Merchant-level context for scoring: category popularity and trend, typical repurchase cycles, and
/// co-purchase lift (bought A → buys B). The <c>insights</c> document <c>stats</c>; rebuilt from the
/// merchant's feature documents (nightly, or when missing or stale).
/// </summary>
public sealed class MerchantStats
{
    public const string DocumentId = "stats";
    public const int MinSupport = 3;

    [JsonPropertyName("id")]
    public string Id { get; init; } = DocumentId;

    public required string MerchantId { get; init; }

    public string Type { get; init; } = "merchantStats";

    public DateTimeOffset BuiltAt { get; set; }

    public long AsOf { get; set; }

    public int Users { get; set; }

    /// <summary>Share of buyers who bought the category (30-day decayed).</summary>
    public Dictionary<string, double> Popularity { get; set; } = [];

    /// <summary>Short-term over long-term purchase rate (&gt; 1: growing).</summary>
    public Dictionary<string, double> Trend { get; set; } = [];

    /// <summary>Median days between purchases of the category by the same user (consumables).</summary>
    public Dictionary<string, double> CycleDays { get; set; } = [];

    /// <summary>Lift of buying <c>to</c> given bought <c>from</c>: <c>Lift[from][to]</c>, only pairs with enough support.</summary>
    public Dictionary<string, Dictionary<string, double>> Lift { get; set; } = [];

    /// <summary>Categories with the highest trend × popularity: candidates for everyone.</summary>
    public List<string> Trending { get; set; } = [];

    /// <summary>
    /// The merchant's data time: its newest accepted event (unix seconds; 0 without users). Everything a profile says
    /// is computed as of this instant, not the wall clock, so a historical log gives the profiles it gave when it was
    /// current, and the same log shifted to today gives the same propensities.
    /// </summary>
    public static long DataTime(IEnumerable<UserFeatures> users)
    {
        var newest = 0L;
        foreach (var user in users)
        {
            newest = Math.Max(newest, user.LastSeen);
        }

        return newest;
    }

    public static MerchantStats Build(string merchantId, IEnumerable<UserFeatures> users, long asOf)
    {
        var builder = new MerchantStatsBuilder(merchantId, asOf);
        foreach (var user in users)
        {
            builder.Add(user);
        }

        return builder.Build();
    }
}

/// <summary>
/// Builds <see cref="MerchantStats"/> one user at a time, so a merchant's feature documents can stream through it
/// (memory grows with categories and category pairs, not with shoppers).
/// </summary>
public sealed class MerchantStatsBuilder(string merchantId, long asOf)
{
    private readonly Dictionary<string, double> _buyers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _shortRate = new(StringComparer.Ordinal);
    private readonly Dictionary<string, double> _longRate = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<double>> _intervals = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _bought = new(StringComparer.Ordinal);
    private readonly Dictionary<(string, string), int> _pairs = [];
    private readonly List<string> _purchased = [];
    private int _userCount;

    public void Add(UserFeatures user)
    {
        _userCount++;
        _purchased.Clear();
        foreach (var (category, activity) in user.Categories)
        {
            if (activity.Counts[(int)EventType.Purchase] == 0)
            {
                continue;
            }

            _purchased.Add(category);
            _buyers[category] = _buyers.GetValueOrDefault(category) + 1;
            _shortRate[category] = _shortRate.GetValueOrDefault(category) + user.DecayedAt(activity, EventType.Purchase, 1, asOf);
            _longRate[category] = _longRate.GetValueOrDefault(category) + user.DecayedAt(activity, EventType.Purchase, 2, asOf);
            for (var i = 1; i < activity.PurchaseTimes.Count; i++)
            {
                (_intervals.TryGetValue(category, out var list) ? list : _intervals[category] = []).Add((activity.PurchaseTimes[i] - activity.PurchaseTimes[i - 1]) / 86_400.0);
            }
        }

        foreach (var a in _purchased)
        {
            _bought[a] = _bought.GetValueOrDefault(a) + 1;
            foreach (var b in _purchased)
            {
                if (a != b)
                {
                    _pairs[(a, b)] = _pairs.GetValueOrDefault((a, b)) + 1;
                }
            }
        }
    }

    public MerchantStats Build()
    {
        var stats = new MerchantStats { MerchantId = merchantId, AsOf = asOf, BuiltAt = DateTimeOffset.UtcNow };
        var userCount = _userCount;
        var buyers = _buyers;
        var shortRate = _shortRate;
        var longRate = _longRate;
        var intervals = _intervals;
        var bought = _bought;
        var pairs = _pairs;
        stats.Users = userCount;
        foreach (var (category, count) in buyers)
        {
            stats.Popularity[category] = count / Math.Max(1, userCount);
            // A decayed count with half-life h is about rate × h / ln 2, so dividing by h compares rates.
            stats.Trend[category] = longRate[category] > 0 ? Math.Round(shortRate[category] / 7.0 / (longRate[category] / 30.0), 4) : 1;
        }

        foreach (var (category, list) in intervals)
        {
            if (list.Count >= MerchantStats.MinSupport)
            {
                list.Sort();
                stats.CycleDays[category] = list[list.Count / 2];
            }
        }

        foreach (var ((a, b), together) in pairs)
        {
            if (together < MerchantStats.MinSupport)
            {
                continue;
            }

            var lift = together / (double)bought[a] / (bought[b] / (double)Math.Max(1, userCount));
            if (lift > 1.2)
            {
                (stats.Lift.TryGetValue(a, out var row) ? row : stats.Lift[a] = new Dictionary<string, double>(StringComparer.Ordinal))[b] = Math.Round(lift, 3);
            }
        }

        stats.Trending = stats.Trend.OrderByDescending(t => t.Value * Math.Sqrt(stats.Popularity[t.Key])).Take(5).Select(t => t.Key).ToList();
        return stats;
    }
}
