using System.Globalization;
using System.Text;
using Demand.Core.Events;
using Demand.Core.Scoring;
using Demand.Infrastructure.Onnx;

namespace Demand.Cli.Commands;

/// <summary>Model vs baselines on one held-out cutoff, all computed in the same run on the same users.</summary>
internal sealed record ModelEvaluation(int Users, int Pairs, double Coverage, IReadOnlyList<(string Name, double Auc, double Recall, double Ndcg, double Ece)> Rows)
{
    public static ModelEvaluation Run(CutoffSet data, IDemandModel model)
    {
        var n = data.Rows.Count;
        var features = new float[n * PairFeatures.Count];
        for (var i = 0; i < n; i++)
        {
            data.Rows[i].CopyTo(features, i * PairFeatures.Count);
        }

        var probabilities = new float[n];
        model.Score(features, n, probabilities);
        var labels = data.Labels;
        var modelScores = probabilities.Select(p => (double)p).ToList();
        var popularity = data.Categories.Select(c => data.Stats.Popularity.GetValueOrDefault(c)).ToList();
        var interactions = new List<double>(n);
        for (var i = 0; i < n; i++)
        {
            var (user, _) = data.Users[data.UserIndex[i]];
            interactions.Add(Interactions(user, data.Categories[i], data.Cutoff));
        }

        var globalTop = data.Stats.Popularity.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Key).Take(5).ToList();
        var rows = new List<(string, double, double, double, double)>
        {
            ("model (" + model.Version + ")", Metrics.Auc(modelScores, labels), 0, 0, Metrics.CalibrationError(modelScores, labels)),
            ("baseline: global popularity", Metrics.Auc(popularity, labels), 0, 0, double.NaN),
            ("baseline: most-interacted category", Metrics.Auc(interactions, labels), 0, 0, double.NaN),
        };

        var sums = new double[3, 2];
        var evaluated = 0;
        double covered = 0, relevant = 0;
        var byUser = Enumerable.Range(0, n).GroupBy(i => data.UserIndex[i]).ToDictionary(g => g.Key, g => g.ToList());
        for (var u = 0; u < data.Users.Count; u++)
        {
            var (user, bought) = data.Users[u];
            if (bought.Count == 0)
            {
                continue;
            }

            evaluated++;
            var pairs = byUser.GetValueOrDefault(u) ?? [];
            relevant += bought.Count;
            covered += pairs.Count(i => bought.Contains(data.Categories[i]));
            var rankedModel = pairs.OrderByDescending(i => modelScores[i]).Select(i => data.Categories[i]).ToList();
            var rankedInteractions = pairs.Where(i => interactions[i] > 0).OrderByDescending(i => interactions[i]).Select(i => data.Categories[i]).ToList();
            var lists = new[] { rankedModel, globalTop, rankedInteractions };
            for (var l = 0; l < 3; l++)
            {
                var (recall, ndcg) = Metrics.AtK(lists[l], bought, 5);
                sums[l, 0] += recall;
                sums[l, 1] += ndcg;
            }
        }

        for (var l = 0; l < 3; l++)
        {
            rows[l] = (rows[l].Item1, rows[l].Item2, sums[l, 0] / Math.Max(1, evaluated), sums[l, 1] / Math.Max(1, evaluated), rows[l].Item5);
        }

        return new ModelEvaluation(evaluated, n, relevant == 0 ? 0 : covered / relevant, rows);
    }

    private static double Interactions(Core.Features.UserFeatures user, string category, DateOnly cutoff)
    {
        if (!user.Categories.TryGetValue(category, out var a))
        {
            return 0;
        }

        var asOf = new DateTimeOffset(cutoff.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).ToUnixTimeSeconds();
        return user.DecayedAt(a, EventType.View, 2, asOf) + user.DecayedAt(a, EventType.CartAdd, 2, asOf) + user.DecayedAt(a, EventType.Purchase, 2, asOf)
            + user.DecayedAt(a, EventType.Wishlist, 2, asOf) + user.DecayedAt(a, EventType.Search, 2, asOf);
    }

    public double ModelRecall => Rows[0].Recall;

    public double BestBaselineRecall => Math.Max(Rows[1].Recall, Rows[2].Recall);

    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"held-out users with a purchase in the horizon: {Users:N0}; scored pairs: {Pairs:N0}; purchases among the candidates: {Coverage:P1}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"ranker",-40}{"AUC",8}{"Recall@5",10}{"NDCG@5",9}{"ECE",8}");
        foreach (var (name, auc, recall, ndcg, ece) in Rows)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{name,-40}{auc,8:F3}{recall,10:F3}{ndcg,9:F3}{(double.IsNaN(ece) ? "—" : ece.ToString("F3", CultureInfo.InvariantCulture)),8}");
        }

        sb.Append(CultureInfo.InvariantCulture, $"Recall@5 model / best baseline: {ModelRecall / BestBaselineRecall:F2}×");
        return sb.ToString();
    }
}
