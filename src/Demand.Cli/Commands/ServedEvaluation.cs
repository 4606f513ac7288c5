using System.Globalization;
using System.Text;
using Demand.Core.Scoring;
using Demand.Infrastructure.Onnx;

namespace Demand.Cli.Commands;

/// <summary>
/// What the app would serve a merchant whose logs are exactly these: the champion gate runs on the history before
/// the cutoff (training cutoffs, back-test on its last week), and the winner is scored on the horizon next to every
/// candidate, all in the same run on the same shoppers.
/// </summary>
internal sealed record ServedEvaluation(string Served, string Reason, int Buyers, int Pairs, double Coverage, string Period, IReadOnlyList<RankerMetrics> Horizon, IReadOnlyList<RankerMetrics> BackTest)
{
    /// <summary>Sequence challengers (<c>--challenger</c>) scored on the same horizon pairs; never part of the gate.</summary>
    public IReadOnlyList<RankerMetrics> Challengers { get; init; } = [];

    public static ServedEvaluation Run(TrainingSet set, int cutoffOffset, int horizonDays, string modelPath, MerchantTrainingOptions options, Action<string> log, IReadOnlyList<string>? challengerPaths = null)
    {
        var first = set.Days.Min();
        var last = set.Days.Max();
        var span = last.DayNumber - first.DayNumber + 1;
        if (cutoffOffset <= horizonDays || cutoffOffset >= span)
        {
            throw new EvaluationInputException(cutoffOffset >= span
                ? $"--cutoff {cutoffOffset} is past the data: accepted events cover {span} days ({first:yyyy-MM-dd}..{last:yyyy-MM-dd}), so the cutoff must be at most {span - 1} to leave a horizon."
                : $"--cutoff {cutoffOffset} leaves no history to train and back-test on: it must be more than the {horizonDays}-day horizon (and less than {span}).");
        }

        // Loaded before the minutes of training, so a file that does not fit is refused at once.
        var challengers = (challengerPaths ?? []).Select(LoadChallenger).ToList();
        try
        {
            return Run(set, cutoffOffset, horizonDays, modelPath, options, log, challengers, first, last);
        }
        finally
        {
            challengers.ForEach(c => c.Dispose());
        }
    }

    private static SequenceOnnxModel LoadChallenger(string path)
    {
        try
        {
            return SequenceOnnxModel.Load(File.ReadAllBytes(path));
        }
        catch (Exception e) when (e is ModelMismatchException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or IOException or UnauthorizedAccessException)
        {
            throw new EvaluationInputException($"--challenger {path}: {e.Message}");
        }
    }

    private static ServedEvaluation Run(TrainingSet set, int cutoffOffset, int horizonDays, string modelPath, MerchantTrainingOptions options, Action<string> log, List<SequenceOnnxModel> challengers, DateOnly first, DateOnly last)
    {
        var cutoff = first.AddDays(cutoffOffset);
        var horizonEnd = cutoff.AddDays(horizonDays);
        var effective = Math.Min(horizonDays, last.DayNumber - cutoff.DayNumber + 1);
        using var global = OnnxModel.Load(File.ReadAllBytes(modelPath), PairFeatures.Names, PairFeatures.Version);
        var training = MerchantTraining.Run(set, "m", cutoff, global.Score, "global model (" + global.Version + ")", null, options with { HorizonDays = horizonDays }, log);
        if (training.MerchantModelSkipped is not null)
        {
            log("merchant model: " + training.MerchantModelSkipped);
        }

        var data = set.Build("m", [cutoff], horizonDays, activeDays: options.ActiveDays).Single();
        var horizon = training.Candidates.Select(c => RankerEvaluation.Evaluate(c.Name, data, RankerEvaluation.Score(data, c.Scorer))).ToList();
        var challengerRows = new List<RankerMetrics>();
        if (challengers.Count > 0)
        {
            var features = new float[data.Rows.Count * PairFeatures.Count];
            for (var i = 0; i < data.Rows.Count; i++)
            {
                data.Rows[i].CopyTo(features, i * PairFeatures.Count);
            }

            var sequences = PairSequence.Build(set, data);
            foreach (var challenger in challengers)
            {
                var scores = new float[data.Rows.Count];
                challenger.Score(features, sequences, data.Rows.Count, scores);
                challengerRows.Add(RankerEvaluation.Evaluate("challenger: " + challenger.Version, data, scores));
            }
        }

        var (buyers, coverage) = RankerEvaluation.Buyers(data);
        var period = $"history {first:yyyy-MM-dd}..{cutoff.AddDays(-1):yyyy-MM-dd}, horizon {cutoff:yyyy-MM-dd}..{horizonEnd.AddDays(-1):yyyy-MM-dd}" + (effective < horizonDays ? $" (data ends {last:yyyy-MM-dd}: {effective} days)" : "");
        return new ServedEvaluation(training.Decision.Winner.Name, training.Decision.Reason, buyers, data.Rows.Count, coverage, period, horizon, training.Decision.BackTest) { Challengers = challengerRows };
    }

    private RankerMetrics ServedRow => Horizon.Single(r => r.Name == Served);

    private IEnumerable<RankerMetrics> Baselines => Horizon.Where(r => r.Name.StartsWith("baseline:", StringComparison.Ordinal));

    public double BestBaselineRecall => Baselines.Max(b => b.Recall);

    public double BestBaselineAuc => Baselines.Max(b => b.Auc);

    public bool AtLeastBestBaseline => ServedRow.Recall >= BestBaselineRecall && ServedRow.Auc >= BestBaselineAuc;

    public string ToTable()
    {
        var sb = new StringBuilder();
        sb.AppendLine(Period);
        sb.AppendLine(CultureInfo.InvariantCulture, $"gate (back-test on the last weeks of history): {Reason}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"back-test",-44}{"AUC",8}{"Recall@5",10}");
        foreach (var r in BackTest)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {r.Name,-42}{r.Auc,8:F3}{r.Recall,10:F3}");
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"horizon: shoppers with a purchase: {Buyers:N0}; scored pairs: {Pairs:N0}; purchases among the candidates: {Coverage:P1}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"ranker",-44}{"AUC",8}{"Recall@5",10}{"NDCG@5",9}{"ECE",8}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"served: " + Served,-44}{ServedRow.Auc,8:F3}{ServedRow.Recall,10:F3}{ServedRow.Ndcg,9:F3}{ServedRow.Ece,8:F3}");
        foreach (var r in Horizon)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {r.Name,-42}{r.Auc,8:F3}{r.Recall,10:F3}{r.Ndcg,9:F3}{r.Ece,8:F3}");
        }

        foreach (var r in Challengers)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  {r.Name,-42}{r.Auc,8:F3}{r.Recall,10:F3}{r.Ndcg,9:F3}{r.Ece,8:F3}");
        }

        foreach (var r in Challengers)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"{r.Name}: Recall@5 / best baseline {Ratio(r.Recall, BestBaselineRecall):F2}×, / served {Ratio(r.Recall, ServedRow.Recall):F2}×; AUC / best baseline {Ratio(r.Auc, BestBaselineAuc):F2}×");
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"AUC served / best baseline: {ServedRow.Auc / BestBaselineAuc:F2}×");
        sb.Append(CultureInfo.InvariantCulture, $"Recall@5 served / best baseline: {(BestBaselineRecall > 0 ? ServedRow.Recall / BestBaselineRecall : 0):F2}×");
        return sb.ToString();
    }

    private static double Ratio(double a, double b) => b > 0 ? a / b : 0;
}
