namespace Demand.Core.Scoring;

/// <summary>Bounds of per-merchant training (a 2 GB instance, minutes not hours).</summary>
public sealed record MerchantTrainingOptions
{
    public int HorizonDays { get; init; } = 7;

    /// <summary>Training cutoffs before the back-test (one every <see cref="CutoffStepDays"/>, newest first).</summary>
    public int TrainingCutoffs { get; init; } = 6;

    public int CutoffStepDays { get; init; } = 3;

    /// <summary>Back-test cutoffs, one horizon apart, ending where the history ends (the merchant's most recent weeks).</summary>
    public int BackTestCutoffs { get; init; } = 2;

    /// <summary>Shoppers seen within this many days of a cutoff are scored (the nightly rescoring window).</summary>
    public int ActiveDays { get; init; } = 30;

    /// <summary>Pairs kept for fitting; beyond it shoppers are sampled by a stable hash of their id (all their pairs kept or none).</summary>
    public int MaxTrainingRows { get; init; } = 200_000;

    /// <summary>Below this many purchases labelled in training, or shoppers who bought in the back-test, no merchant model is fitted.</summary>
    public int MinPositives { get; init; } = 30;

    public int MinBackTestBuyers { get; init; } = 20;

    /// <summary>The earliest cutoff a run uses: days before it are history only (<see cref="TrainingSet.CollapseBefore"/>).</summary>
    public DateOnly EarliestCutoff(DateOnly historyEnd) =>
        historyEnd.AddDays(-((BackTestCutoffs + 1) * HorizonDays) - (CutoffStepDays * (TrainingCutoffs - 1)));
}

/// <summary>The outcome of one merchant's training: every candidate, the back-test and the gate's decision.</summary>
public sealed record MerchantTrainingResult(
    DateOnly BackTestCutoff, int TrainingRows, int SampledOutRows, int BackTestBuyers, IReadOnlyList<GateCandidate> Candidates, GateDecision Decision, string? MerchantModelSkipped);

/// <summary>
/// Trains and gates a merchant's rankers from its own daily log parts: features and labels at cutoffs before the
/// back-test week fit the baselines' calibration and the merchant's logistic model; the most recent labelled week
/// (ending where the history ends) back-tests them next to the global model and the current champion.
/// </summary>
public static class MerchantTraining
{
    public static MerchantTrainingResult Run(
        TrainingSet logs, string merchantId, DateOnly historyEnd, PairScorer? global, string globalName, GateCandidate? champion, MerchantTrainingOptions options, Action<string>? log = null, IReadOnlyList<GateCandidate>? extra = null,
        string? merchantModelLeftOut = null)
    {
        var first = logs.Days.Min();
        var backCuts = Enumerable.Range(1, options.BackTestCutoffs)
            .Select(k => historyEnd.AddDays(-k * options.HorizonDays))
            .Where(c => c > first)
            .ToList();
        if (backCuts.Count == 0)
        {
            throw new InvalidOperationException($"Not enough history to back-test: {first:yyyy-MM-dd}..{historyEnd.AddDays(-1):yyyy-MM-dd} is not longer than the {options.HorizonDays}-day horizon.");
        }

        var backCut = backCuts.Min();
        var cutoffs = Enumerable.Range(0, options.TrainingCutoffs)
            .Select(k => backCut.AddDays(-options.HorizonDays - (k * options.CutoffStepDays)))
            .Where(c => c > first)
            .ToList();
        var backTests = logs.Build(merchantId, backCuts, options.HorizonDays, historyEnd, options.ActiveDays, keepFeatures: false);
        var backTest = CutoffSet.Concat(backTests);
        var sets = cutoffs.Count == 0 ? [] : logs.Build(merchantId, cutoffs, options.HorizonDays, backCut, options.ActiveDays, keepFeatures: false);
        var (rows, labels, total) = Collect(sets, options.MaxTrainingRows);
        log?.Invoke($"training cutoffs {string.Join(", ", cutoffs.Order().Select(c => c.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)))}: {rows.Count:N0} pairs ({total - rows.Count:N0} sampled out); back-test cutoffs {string.Join(", ", backCuts.Order().Select(c => c.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)))}");
        var data = new TrainingRows(rows, labels);
        var candidates = new List<GateCandidate>();
        if (global is not null)
        {
            candidates.Add(new GateCandidate(globalName, CandidateKind.Global, global));
        }

        if (champion is not null)
        {
            candidates.Add(champion);
        }

        foreach (var (name, direction) in LinearRanker.Baselines)
        {
            var ranker = LinearRanker.Calibrate(name, direction, data);
            candidates.Add(new GateCandidate(name, CandidateKind.Baseline, ranker.Score, ranker));
        }

        var positives = labels.Count(l => l);
        var backTestBuyers = backTest.Users.Count(u => u.Bought.Count > 0);
        string? skipped = null;
        if (merchantModelLeftOut is not null)
        {
            skipped = merchantModelLeftOut;
        }
        else if (positives < options.MinPositives || backTestBuyers < options.MinBackTestBuyers)
        {
            skipped = $"too small for its own model: {positives} labelled purchases in training (at least {options.MinPositives} needed) and {backTestBuyers} buyers in the back-test (at least {options.MinBackTestBuyers} needed)";
        }
        else
        {
            var model = LinearRanker.Fit("merchant model (logistic)", data);
            candidates.Add(new GateCandidate(model.Name, CandidateKind.Merchant, model.Score, model));
        }

        candidates.AddRange(extra ?? []);
        var decision = ChampionGate.Choose(candidates, backTest);

        // The gate judged a recipe (features, calibration or fit) on data before the back-test weeks; the served
        // version is the same recipe refitted with those weeks included, so it knows the merchant's newest behaviour.
        var winner = decision.Winner;
        if (winner.Linear is not null && winner.Kind is CandidateKind.Merchant or CandidateKind.Baseline && candidates.Contains(winner) && !(extra ?? []).Contains(winner))
        {
            var (allRows, allLabels, _) = Collect([.. sets, .. backTests], options.MaxTrainingRows);
            var all = new TrainingRows(allRows, allLabels);
            var refit = winner.Kind == CandidateKind.Merchant
                ? LinearRanker.Fit(winner.Name, all)
                : LinearRanker.Calibrate(winner.Name, LinearRanker.Baselines.Single(b => b.Name == winner.Name).Direction, all);
            var served = winner with { Scorer = refit.Score, Linear = refit };
            candidates[candidates.IndexOf(winner)] = served;
            decision = decision with { Winner = served };
            log?.Invoke($"refitted {winner.Name} with the back-test weeks: {allRows.Count:N0} pairs");
        }

        return new MerchantTrainingResult(backCut, rows.Count, total - rows.Count, backTestBuyers, candidates, decision, skipped);
    }

    private static (List<float[]> Rows, List<bool> Labels, int Total) Collect(IReadOnlyList<CutoffSet> sets, int maxRows)
    {
        var rows = new List<float[]>();
        var labels = new List<bool>();
        var total = sets.Sum(s => s.Rows.Count);
        var keep = total <= maxRows ? 1.0 : maxRows / (double)total;
        foreach (var set in sets)
        {
            for (var i = 0; i < set.Rows.Count; i++)
            {
                // Salted: the shoppers here may already be a sample by the unsalted position (TrainingHistory), and
                // the same position again would keep far more than the bound.
                if (keep < 1 && StableFraction(set.Users[set.UserIndex[i]].User.UserId, salt: 1) >= keep)
                {
                    continue;
                }

                rows.Add(set.Rows[i]);
                labels.Add(set.Labels[i]);
            }
        }

        return (rows, labels, total);
    }

    /// <summary>
    /// A shopper's stable position in [0, 1): the same shoppers are sampled in every run. FNV-1a of the id, then a
    /// SplitMix64 finaliser, because FNV alone leaves ids that differ in their last characters ("u1", "u2", …) clustered.
    /// </summary>
    /// <param name="salt">Another salt gives an independent position, for a second sample inside a first one.</param>
    public static double StableFraction(string userId, ulong salt = 0)
    {
        var hash = Ingestion.Fnv.Hash(userId, Ingestion.Fnv.Offset ^ (salt * 0x9E3779B97F4A7C15UL));
        hash = (hash ^ (hash >> 30)) * 0xBF58476D1CE4E5B9UL;
        hash = (hash ^ (hash >> 27)) * 0x94D049BB133111EBUL;
        hash ^= hash >> 31;
        return (hash >> 11) / (double)(1UL << 53);
    }
}
