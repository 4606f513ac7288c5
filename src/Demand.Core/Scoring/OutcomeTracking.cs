using Demand.Core.Events;
using Demand.Core.Features;

namespace Demand.Core.Scoring;

/// <summary>
/// Outcome tracking: what the served model predicted (<see cref="PredictionSnapshot"/>) against what the shoppers then
/// bought, per model version, next to the baselines on the same pairs (<see cref="ModelOutcome"/>). Labels come from
/// the shoppers' stored features, the same state the app scores from: a category counts as bought when a purchase
/// day of it falls on one of the horizon's days (the days after the as-of day), whatever the candidates were.
/// </summary>
public static class OutcomeTracking
{
    /// <summary>A shopper's name in snapshots: the 64-bit FNV-1a hash of the id, in hex (snapshots never hold the id).</summary>
    public static string ShopperKey(string userId) =>
        Ingestion.Fnv.Hash(userId).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The categories <paramref name="user"/> bought on the <paramref name="horizonDays"/> days after
    /// <paramref name="asOfDay"/>. Purchase days are kept per category (the last <see cref="CategoryActivity.MaxPurchaseTimes"/>
    /// distinct days and the last purchase), so labels are exact for an evaluation within a few days of the horizon's end.
    /// </summary>
    public static HashSet<string> Bought(UserFeatures user, DateOnly asOfDay, int horizonDays)
    {
        var first = DayNumber(asOfDay.AddDays(1));
        var last = DayNumber(asOfDay.AddDays(horizonDays));
        var bought = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (category, activity) in user.Categories)
        {
            var lastPurchase = activity.LastAt[(int)EventType.Purchase];
            if ((lastPurchase != 0 && InRange(lastPurchase)) || activity.PurchaseTimes.Exists(InRange))
            {
                bought.Add(category);
            }
        }

        return bought;

        bool InRange(long unixSeconds) => unixSeconds / 86_400 >= first && unixSeconds / 86_400 <= last;
    }

    /// <summary>
    /// Scores <paramref name="sample"/> as of <paramref name="asOf"/> exactly as profiles are scored (same candidates,
    /// same feature rows, the served <paramref name="scorer"/>) and keeps every candidate's propensity and baseline scores.
    /// </summary>
    public static PredictionSnapshot Snapshot(
        string merchantId, IReadOnlyList<UserFeatures> sample, int activeShoppers, MerchantStats stats, long asOf, PairScorer scorer, string modelVersion, int horizonDays, DateTimeOffset now)
    {
        var (pairs, rows) = ProfileScoring.Expand(sample, stats, asOf);
        var probabilities = new float[pairs.Count];
        scorer(rows, pairs.Count, probabilities);
        var baselines = LinearRanker.Baselines;
        var baselineScores = new float[baselines.Count][];
        var expanded = new double[PairExpansion.Count];
        for (var b = 0; b < baselines.Count; b++)
        {
            baselineScores[b] = new float[pairs.Count];
        }

        for (var i = 0; i < pairs.Count; i++)
        {
            PairExpansion.Expand(rows.AsSpan(i * PairFeatures.Count, PairFeatures.Count), expanded);
            for (var b = 0; b < baselines.Count; b++)
            {
                double z = 0;
                for (var k = 0; k < expanded.Length; k++)
                {
                    z += baselines[b].Direction[k] * expanded[k];
                }

                baselineScores[b][i] = (float)z;
            }
        }

        var shoppers = new List<SnapshotShopper>(sample.Count);
        var start = 0;
        for (var u = 0; u < sample.Count; u++)
        {
            var end = start;
            while (end < pairs.Count && pairs[end].User == u)
            {
                end++;
            }

            var (from, count) = (start, end - start);
            shoppers.Add(new SnapshotShopper
            {
                Key = ShopperKey(sample[u].UserId),
                Categories = [.. pairs.GetRange(from, count).Select(p => p.Pair.CategoryId)],
                Propensities = probabilities.AsSpan(from, count).ToArray(),
                BaselineScores = [.. baselineScores.Select(s => (IReadOnlyList<float>)s.AsSpan(from, count).ToArray())],
            });
            start = end;
        }

        var asOfTime = DateTimeOffset.FromUnixTimeSeconds(asOf);
        return new PredictionSnapshot
        {
            MerchantId = merchantId,
            AsOfDay = DateOnly.FromDateTime(asOfTime.UtcDateTime),
            AsOf = asOf,
            ModelVersion = modelVersion,
            HorizonDays = horizonDays,
            RecordedAt = now,
            ActiveShoppers = activeShoppers,
            Baselines = [.. baselines.Select(b => b.Name)],
            Shoppers = shoppers,
        };
    }

    /// <summary>
    /// The snapshot's outcome: its shoppers found in <paramref name="bought"/> (key → categories bought in the horizon;
    /// a shopper missing from it was erased and is left out), ranked the way profiles rank (propensity, then category id).
    /// </summary>
    public static ModelOutcome Evaluate(PredictionSnapshot snapshot, IReadOnlyDictionary<string, HashSet<string>> bought, DateTimeOffset now)
    {
        var labels = new List<bool>();
        var userIndex = new List<int>();
        var categories = new List<string>();
        var served = new List<float>();
        var baselineScores = snapshot.Baselines.Select(_ => new List<float>()).ToList();
        var sets = new List<HashSet<string>>();
        foreach (var shopper in snapshot.Shoppers)
        {
            if (!bought.TryGetValue(shopper.Key, out var set))
            {
                continue;
            }

            sets.Add(set);
            for (var i = 0; i < shopper.Categories.Count; i++)
            {
                labels.Add(set.Contains(shopper.Categories[i]));
                userIndex.Add(sets.Count - 1);
                categories.Add(shopper.Categories[i]);
                served.Add(shopper.Propensities[i]);
                for (var b = 0; b < baselineScores.Count; b++)
                {
                    baselineScores[b].Add(shopper.BaselineScores[b][i]);
                }
            }
        }

        var positives = labels.Count(l => l);
        var buyers = sets.Count(s => s.Count > 0);
        var rankable = positives > 0 && positives < labels.Count;
        var metrics = RankerEvaluation.Evaluate(snapshot.ModelVersion, served, labels, userIndex, categories, sets);
        return new ModelOutcome
        {
            ModelVersion = snapshot.ModelVersion,
            AsOfDay = snapshot.AsOfDay,
            AsOf = DateTimeOffset.FromUnixTimeSeconds(snapshot.AsOf),
            HorizonEnd = snapshot.HorizonEnd,
            EvaluatedAt = now,
            Shoppers = sets.Count,
            Buyers = buyers,
            Pairs = labels.Count,
            Auc = rankable ? Round(metrics.Auc) : null,
            RecallAt5 = buyers > 0 ? Round(metrics.Recall) : null,
            Ece = Round(metrics.Ece),
            MeanPropensity = labels.Count == 0 ? 0 : Round(served.Average(p => (double)p)),
            ObservedRate = labels.Count == 0 ? 0 : Round(positives / (double)labels.Count),
            Baselines =
            [
                .. snapshot.Baselines.Select((name, b) =>
                {
                    var m = RankerEvaluation.Evaluate(name, baselineScores[b], labels, userIndex, categories, sets);
                    return new OutcomeBaseline(name, rankable ? Round(m.Auc) : null, buyers > 0 ? Round(m.Recall) : null);
                }),
            ],
        };
    }

    /// <summary>
    /// Adds <paramref name="outcome"/> to the merchant's outcomes unless one for the same as-of day is there already (a
    /// retried evaluation), keeping the newest <see cref="MerchantModelState.MaxHistory"/>; false when nothing changed.
    /// </summary>
    public static bool Append(MerchantModelState state, ModelOutcome outcome)
    {
        if (state.Outcomes.Exists(o => o.AsOfDay == outcome.AsOfDay))
        {
            return false;
        }

        state.Outcomes.Add(outcome);
        state.Outcomes.Sort((a, b) => a.AsOfDay.CompareTo(b.AsOfDay));
        if (state.Outcomes.Count > MerchantModelState.MaxHistory)
        {
            state.Outcomes.RemoveRange(0, state.Outcomes.Count - MerchantModelState.MaxHistory);
        }

        return true;
    }

    private static long DayNumber(DateOnly day) => day.DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    private static double Round(double value) => Math.Round(value, 4);
}
