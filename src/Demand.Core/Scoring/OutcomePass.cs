using Demand.Core.Features;

namespace Demand.Core.Scoring;

/// <summary>
/// Outcome tracking's share of one streamed pass over a merchant's shoppers (the nightly's): the horizon's purchases of
/// the shoppers in every due snapshot, and today's sample — the <paramref name="maxShoppers"/> active shoppers first in
/// the order of their stable hash, so a shopper stays in the sample night after night while active. Memory is bounded
/// by the due snapshots and the sample, not by the merchant's size.
/// </summary>
public sealed class OutcomePass(IReadOnlyList<PredictionSnapshot> due, int maxShoppers = PredictionSnapshot.MaxShoppers)
{
    private readonly List<(HashSet<string> Keys, Dictionary<string, HashSet<string>> Bought)> _due =
        [.. due.Select(s => (s.Shoppers.Select(x => x.Key).ToHashSet(StringComparer.Ordinal), new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)))];

    // A max-heap on (hash position, id): the root is the first shopper to leave when a lower one arrives.
    private readonly PriorityQueue<UserFeatures, (double Position, string UserId)> _sample = new(Comparer<(double Position, string UserId)>.Create((a, b) =>
    {
        var c = b.Position.CompareTo(a.Position);
        return c != 0 ? c : string.CompareOrdinal(b.UserId, a.UserId);
    }));

    public IReadOnlyList<PredictionSnapshot> Due => due;

    /// <summary>Active shoppers seen.</summary>
    public int Active { get; private set; }

    public void Observe(UserFeatures user, bool active)
    {
        if (_due.Count > 0)
        {
            var key = OutcomeTracking.ShopperKey(user.UserId);
            for (var i = 0; i < _due.Count; i++)
            {
                if (_due[i].Keys.Contains(key))
                {
                    _due[i].Bought[key] = OutcomeTracking.Bought(user, due[i].AsOfDay, due[i].HorizonDays);
                }
            }
        }

        if (!active || maxShoppers <= 0)
        {
            return;
        }

        Active++;
        var position = (MerchantTraining.StableFraction(user.UserId), user.UserId);
        if (_sample.Count < maxShoppers)
        {
            _sample.Enqueue(user, position);
        }
        else if (_sample.TryPeek(out _, out var highest) && (position.Item1 < highest.Position || (position.Item1 == highest.Position && string.CompareOrdinal(position.UserId, highest.UserId) < 0)))
        {
            _sample.DequeueEnqueue(user, position);
        }
    }

    /// <summary>The purchases in the horizon of the <paramref name="index"/>-th due snapshot's shoppers still known.</summary>
    public IReadOnlyDictionary<string, HashSet<string>> Bought(int index) => _due[index].Bought;

    /// <summary>Today's sample in hash order.</summary>
    public IReadOnlyList<UserFeatures> Sample() =>
        [.. _sample.UnorderedItems.OrderBy(x => x.Priority.Position).ThenBy(x => x.Priority.UserId, StringComparer.Ordinal).Select(x => x.Element)];
}
