namespace Demand.Core.Scoring;

/// <summary>Ranking and calibration metrics for the demand model and its baselines.</summary>
public static class Metrics
{
    /// <summary>Area under the ROC curve (ties averaged).</summary>
    public static double Auc(IReadOnlyList<double> scores, IReadOnlyList<bool> labels)
    {
        var order = Enumerable.Range(0, scores.Count).OrderBy(i => scores[i]).ToArray();
        double rankSum = 0;
        long positives = 0;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            while (j + 1 < order.Length && scores[order[j + 1]] == scores[order[i]])
            {
                j++;
            }

            var rank = (i + j) / 2.0 + 1;
            for (var k = i; k <= j; k++)
            {
                if (labels[order[k]])
                {
                    rankSum += rank;
                    positives++;
                }
            }

            i = j + 1;
        }

        var negatives = scores.Count - positives;
        return positives == 0 || negatives == 0 ? double.NaN : (rankSum - (positives * (positives + 1) / 2.0)) / (positives * (double)negatives);
    }

    /// <summary>Recall@k and NDCG@k of one ranked list against the set bought.</summary>
    public static (double Recall, double Ndcg) AtK(IReadOnlyList<string> ranked, ISet<string> relevant, int k)
    {
        if (relevant.Count == 0)
        {
            return (double.NaN, double.NaN);
        }

        double hits = 0, dcg = 0, idcg = 0;
        for (var i = 0; i < Math.Min(k, ranked.Count); i++)
        {
            if (relevant.Contains(ranked[i]))
            {
                hits++;
                dcg += 1 / Math.Log2(i + 2);
            }
        }

        for (var i = 0; i < Math.Min(k, relevant.Count); i++)
        {
            idcg += 1 / Math.Log2(i + 2);
        }

        return (hits / relevant.Count, dcg / idcg);
    }

    /// <summary>Expected calibration error over equal-width probability bins.</summary>
    public static double CalibrationError(IReadOnlyList<double> probabilities, IReadOnlyList<bool> labels, int bins = 10)
    {
        var count = new int[bins];
        var confidence = new double[bins];
        var accuracy = new double[bins];
        for (var i = 0; i < probabilities.Count; i++)
        {
            var b = Math.Min(bins - 1, (int)(probabilities[i] * bins));
            count[b]++;
            confidence[b] += probabilities[i];
            accuracy[b] += labels[i] ? 1 : 0;
        }

        double error = 0;
        for (var b = 0; b < bins; b++)
        {
            if (count[b] > 0)
            {
                error += count[b] / (double)probabilities.Count * Math.Abs((accuracy[b] / count[b]) - (confidence[b] / count[b]));
            }
        }

        return error;
    }
}
