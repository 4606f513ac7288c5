namespace Demand.Core.Scoring;

/// <summary>Scores <paramref name="rows"/> rows of <see cref="PairFeatures.Count"/> features into probabilities.</summary>
public delegate void PairScorer(ReadOnlySpan<float> features, int rows, Span<float> probabilities);

/// <summary>One ranker's figures on one cutoff: AUC over pairs, Recall@5 and NDCG@5 over shoppers who bought, calibration.</summary>
public sealed record RankerMetrics(string Name, double Auc, double Recall, double Ndcg, double Ece);

/// <summary>Figures of any ranker on a <see cref="CutoffSet"/>, the way the app would rank: candidates by score, category id breaks ties.</summary>
public static class RankerEvaluation
{
    public const int K = 5;

    public static float[] Score(CutoffSet data, PairScorer scorer)
    {
        var n = data.Rows.Count;
        var features = new float[n * PairFeatures.Count];
        for (var i = 0; i < n; i++)
        {
            data.Rows[i].CopyTo(features, i * PairFeatures.Count);
        }

        var probabilities = new float[n];
        scorer(features, n, probabilities);
        return probabilities;
    }

    public static RankerMetrics Evaluate(string name, CutoffSet data, IReadOnlyList<float> scores) =>
        Evaluate(name, scores, data.Labels, data.UserIndex, data.Categories, data.Users.Select(u => u.Bought).ToList());

    /// <summary>
    /// Figures of scored pairs (<paramref name="userIndex"/> names each pair's shopper, <paramref name="categories"/> its
    /// category); <paramref name="bought"/> holds each shopper's purchases in the horizon, candidates or not. Shared by
    /// back-tests and the outcomes of served predictions, so both mean the same thing.
    /// </summary>
    public static RankerMetrics Evaluate(string name, IReadOnlyList<float> scores, IReadOnlyList<bool> labels, IReadOnlyList<int> userIndex, IReadOnlyList<string> categories, IReadOnlyList<HashSet<string>> bought)
    {
        var asDouble = scores.Select(s => (double)s).ToList();
        var byUser = new List<int>[bought.Count];
        for (var i = 0; i < scores.Count; i++)
        {
            (byUser[userIndex[i]] ??= []).Add(i);
        }

        double recall = 0, ndcg = 0;
        var evaluated = 0;
        for (var u = 0; u < bought.Count; u++)
        {
            if (bought[u].Count == 0)
            {
                continue;
            }

            evaluated++;
            var ranked = (byUser[u] ?? []).OrderByDescending(i => scores[i]).ThenBy(i => categories[i], StringComparer.Ordinal).Select(i => categories[i]).ToList();
            var (r, g) = Metrics.AtK(ranked, bought[u], K);
            recall += r;
            ndcg += g;
        }

        var auc = Metrics.Auc(asDouble, labels);
        return new RankerMetrics(name, double.IsNaN(auc) ? 0.5 : auc, evaluated == 0 ? 0 : recall / evaluated, evaluated == 0 ? 0 : ndcg / evaluated, scores.Count == 0 ? 0 : Metrics.CalibrationError(asDouble, labels));
    }

    /// <summary>Shoppers with a purchase in the horizon (the denominator of Recall@5) and the share of their purchases among the candidates.</summary>
    public static (int Buyers, double Coverage) Buyers(CutoffSet data)
    {
        var buyers = data.Users.Count(u => u.Bought.Count > 0);
        double relevant = data.Users.Sum(u => u.Bought.Count);
        double covered = 0;
        for (var i = 0; i < data.Rows.Count; i++)
        {
            covered += data.Labels[i] ? 1 : 0;
        }

        return (buyers, relevant == 0 ? 0 : covered / relevant);
    }
}
