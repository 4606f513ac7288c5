namespace Demand.Core.Scoring;

/// <summary>What kind of ranker a candidate is.</summary>
public enum CandidateKind
{
    Global,
    Baseline,
    Merchant,
    Champion,
}

/// <summary>A ranker the gate may serve: the global ONNX model, a calibrated baseline, a model trained on the merchant, or the current champion.</summary>
public sealed record GateCandidate(string Name, CandidateKind Kind, PairScorer Scorer, LinearRanker? Linear = null);

/// <summary>The gate's decision: every candidate's back-test figures and the one to serve.</summary>
public sealed record GateDecision(IReadOnlyList<RankerMetrics> BackTest, GateCandidate Winner, string Reason);

/// <summary>
/// The per-merchant champion gate. Every candidate is back-tested on the merchant's most recent labelled week(s); a
/// model (global, merchant-trained or the current champion) is served only if it is at least as good as the best
/// baseline on both Recall@5 and AUC, and the best such model wins on Recall@5 (AUC breaks ties). Otherwise the
/// baseline with the best Recall@5 is served: never worse than the best baseline on the merchant's own back-test.
/// </summary>
public static class ChampionGate
{
    public static GateDecision Choose(IReadOnlyList<GateCandidate> candidates, CutoffSet backTest)
    {
        var metrics = candidates.Select(c => RankerEvaluation.Evaluate(c.Name, backTest, RankerEvaluation.Score(backTest, c.Scorer))).ToList();
        var baselines = Enumerable.Range(0, candidates.Count).Where(i => candidates[i].Kind == CandidateKind.Baseline).ToList();
        if (baselines.Count == 0)
        {
            throw new ArgumentException("The gate needs the baselines among the candidates.", nameof(candidates));
        }

        var bestRecall = baselines.Max(i => metrics[i].Recall);
        var bestAuc = baselines.Max(i => metrics[i].Auc);
        var bestBaseline = baselines.OrderByDescending(i => metrics[i].Recall).ThenByDescending(i => metrics[i].Auc).First();
        var models = Enumerable.Range(0, candidates.Count)
            .Where(i => candidates[i].Kind != CandidateKind.Baseline && metrics[i].Recall >= bestRecall && metrics[i].Auc >= bestAuc)
            .OrderByDescending(i => metrics[i].Recall).ThenByDescending(i => metrics[i].Auc)
            // The champion keeps its place on a tie: a new version must be better, not equal.
            .ThenBy(i => candidates[i].Kind == CandidateKind.Champion ? 0 : 1)
            .ToList();
        if (models.Count > 0)
        {
            var w = models[0];
            return new GateDecision(metrics, candidates[w], $"{candidates[w].Name}: Recall@5 {metrics[w].Recall:F3} ≥ best baseline {bestRecall:F3}, AUC {metrics[w].Auc:F3} ≥ {bestAuc:F3}");
        }

        return new GateDecision(metrics, candidates[bestBaseline], $"no model reached the best baseline on both Recall@5 ({bestRecall:F3}) and AUC ({bestAuc:F3}): serving {candidates[bestBaseline].Name}");
    }
}
