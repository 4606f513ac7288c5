using Demand.Core.Identifiers;
using System.Text.Json;
using Demand.Core;
using Demand.Core.Scoring;
using Demand.Core.Storage;
using Demand.Infrastructure.Onnx;
using Demand.Infrastructure.Scoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Training;

/// <summary>
/// One merchant's weekly training: reads its daily parts back from the log archive (shoppers sampled by a stable hash
/// beyond <see cref="TrainingOptions.MaxShoppers"/>; days before the earliest cutoff merged into one aggregate as they
/// are read, so memory follows the sampled shoppers, not the length of the log), fits the baselines' calibration and its own logistic model on
/// cutoffs before the last week, back-tests every candidate — global model, baselines, its model, the current champion —
/// on that week (<see cref="ChampionGate"/>) and promotes only a winner: its ONNX file goes to blob storage under a new
/// version, the merchant's model state names it, and ScoreUsers serves it from then on. A retry trains on the same parts
/// and writes the same version. Parts not under a <c>yyyy-MM-dd/</c> folder are counted and left out.
/// </summary>
public sealed partial class MerchantModelTrainer(
    ILogArchive archive,
    IIngestionStore ingestion,
    IModelStore store,
    MerchantModels served,
    MerchantStatsProvider stats,
    IOptions<TrainingOptions> options,
    TimeProvider time,
    ILogger<MerchantModelTrainer> logger,
    ITrainingCandidates? extra = null)
{
    public async Task<TrainingRun> RunAsync(MerchantId merchantId, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var state = await store.GetStateAsync(merchantId, cancellationToken);
        var shoppers = (await stats.GetAsync(merchantId, 0, cancellationToken)).Users;
        var mapping = await ingestion.GetMappingAsync(merchantId, cancellationToken);
        var trainingOptions = new MerchantTrainingOptions { HorizonDays = o.HorizonDays, MaxTrainingRows = o.MaxTrainingRows };
        var history = await TrainingHistory.LoadAsync(archive, merchantId, mapping, shoppers, o.MaxShoppers, o.MaxHistoryDays, trainingOptions, cancellationToken);
        var (logs, historyEnd, keep, _, dailyParts, otherParts) = history;
        if (dailyParts == 0)
        {
            return await RecordAsync(merchantId, Skipped(DateOnly.MinValue, $"no daily parts (yyyy-MM-dd/<part>) among {otherParts} uploaded parts"), null, cancellationToken);
        }

        if (logs.Days.Count == 0 || logs.Days.Min() > historyEnd.AddDays(-(2 * o.HorizonDays) - 1))
        {
            return await RecordAsync(merchantId, Skipped(historyEnd, $"too little history: {logs.Days.Count} days with accepted events, at least {(2 * o.HorizonDays) + 1} needed to train and back-test"), null, cancellationToken);
        }

        // Outcomes overrule the back-test for a recipe that served and lost: it stays out until they age out.
        var global = served.Global;
        var live = LiveEvidence.Records(state?.Outcomes ?? []);
        var losing = live.Where(r => r.Losing).ToDictionary(r => r.Recipe, StringComparer.Ordinal);
        var leftOut = new List<string>();
        GateCandidate? champion = null;
        if (state is { ActiveVersion: { } active, ActiveKind: not CandidateKind.Global } && await served.LoadAsync(merchantId, active, cancellationToken) is { } current)
        {
            champion = new GateCandidate("current: " + active, CandidateKind.Champion, current.Score);
            if (losing.TryGetValue(ModelVersions.Recipe(active), out var record))
            {
                leftOut.Add($"{champion.Name} ({record.Describe()})");
                champion = null;
            }
        }

        var globalLost = losing.GetValueOrDefault(global.Version);
        var merchantLost = losing.GetValueOrDefault(ModelVersions.MerchantRecipe);
        leftOut.AddRange([.. new[] { globalLost, merchantLost }.OfType<LiveRecord>().Select(r => r.Describe())]);
        var result = MerchantTraining.Run(
            logs, merchantId, historyEnd, globalLost is null ? global.Score : null, "global model (" + global.Version + ")", champion, trainingOptions, extra: extra?.For(merchantId),
            merchantModelLeftOut: merchantLost is null ? null : "left out on live outcomes: " + merchantLost.Describe());
        var winner = result.Decision.Winner;
        var figures = result.Candidates.Zip(result.Decision.BackTest, (c, m) => new CandidateFigures(c.Name, c.Kind, Math.Round(m.Auc, 4), Math.Round(m.Recall, 4))).ToList();
        var run = new TrainingRun
        {
            At = time.GetUtcNow(),
            HistoryEnd = historyEnd.AddDays(-1),
            BackTestFrom = result.BackTestCutoff,
            TrainingPairs = result.TrainingRows,
            SampledOutPairs = result.SampledOutRows,
            BackTestBuyers = result.BackTestBuyers,
            BackTest = figures,
            Winner = winner.Name,
            Promoted = false,
            Reason = (leftOut.Count > 0 ? $"left out on live outcomes: {string.Join("; ", leftOut)}. " : "") + result.Decision.Reason
                + (keep < 1 ? $" (shoppers sampled: {keep:P0} of {shoppers:N0})" : ""),
            MerchantModelSkipped = result.MerchantModelSkipped,
            Live = live,
            LeftOut = leftOut,
        };

        Promotion? promotion = null;
        var winnerFigures = figures[result.Candidates.ToList().IndexOf(winner)];
        var bestBaseline = figures.Where(f => f.Kind == CandidateKind.Baseline).Max(f => f.RecallAt5);
        if (winner.Kind == CandidateKind.Global && state?.ActiveKind is not null and not CandidateKind.Global)
        {
            promotion = new Promotion(global.Version, winner.Name, CandidateKind.Global, run.At, winnerFigures.Auc, winnerFigures.RecallAt5, bestBaseline, run.Reason);
        }
        else if (winner.Linear is { } linear && winner.Kind is CandidateKind.Baseline or CandidateKind.Merchant)
        {
            var version = ModelVersions.For(winner, historyEnd.AddDays(-1));
            if (version != state?.ActiveVersion)
            {
                var metrics = JsonSerializer.Serialize(new { backTestFrom = result.BackTestCutoff, auc = winnerFigures.Auc, recallAt5 = winnerFigures.RecallAt5, bestBaselineRecallAt5 = bestBaseline }, DemandJson.Options);
                await store.SaveVersionAsync(merchantId, version, LinearOnnxExporter.Export(linear, version, metrics), cancellationToken);
                promotion = new Promotion(version, winner.Name, winner.Kind, run.At, winnerFigures.Auc, winnerFigures.RecallAt5, bestBaseline, run.Reason);
            }
        }

        return await RecordAsync(merchantId, run with { Promoted = promotion is not null }, promotion, cancellationToken);
    }

    private TrainingRun Skipped(DateOnly historyEnd, string reason) => new()
    {
        At = time.GetUtcNow(),
        HistoryEnd = historyEnd,
        BackTestFrom = historyEnd,
        TrainingPairs = 0,
        SampledOutPairs = 0,
        BackTestBuyers = 0,
        BackTest = [],
        Winner = "",
        Promoted = false,
        Reason = reason,
    };

    private async Task<TrainingRun> RecordAsync(MerchantId merchantId, TrainingRun run, Promotion? promotion, CancellationToken cancellationToken)
    {
        await store.UpdateStateAsync(merchantId, s =>
        {
            s.LastRun = run;
            if (promotion is not null)
            {
                s.ActiveVersion = promotion.Kind == CandidateKind.Global ? null : promotion.Version;
                s.ActiveKind = promotion.Kind;
                s.ActiveName = promotion.Name;
                s.Promotions.Add(promotion);
                if (s.Promotions.Count > MerchantModelState.MaxHistory)
                {
                    s.Promotions.RemoveAt(0);
                }
            }
        }, cancellationToken);
        served.Forget(merchantId);
        LogTrained(merchantId, run.Winner, run.Promoted, run.Reason);
        return run;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "TrainModels {Merchant}: winner {Winner}, promoted {Promoted}: {Reason}")]
    private partial void LogTrained(string merchant, string winner, bool promoted, string reason);
}
