using Demand.Core.Identifiers;
using Demand.Core.Messaging;
using Demand.Core.Scoring;
using Demand.Core.Storage;
using Demand.Functions.Training;
using Demand.Infrastructure.Scoring;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Nightly;

/// <summary>
/// Outcome tracking in a merchant's night (<see cref="NightlyMerchantRun"/>): before the shoppers stream, the snapshots
/// whose horizon the merchant's data has passed are loaded; the stream labels their shoppers and samples today's; then
/// each due snapshot's <see cref="ModelOutcome"/> is appended to the merchant's model state (once per as-of day) and the
/// snapshot deleted, and today's snapshot is recorded with the model that serves now (create-only: a retry or a second
/// night on the same data day keeps the first). A snapshot whose horizon the data has not reached
/// <see cref="MaxPendingDays"/> days after it was written (uploads stopped) is deleted unevaluated. An outcome that turns
/// the served recipe into a loser (<see cref="LiveEvidence"/>) asks for a retrain at once rather than at the weekly one.
/// Every step is safe to repeat.
/// </summary>
public sealed partial class OutcomeTracker(
    IPredictionSnapshots snapshots, IModelStore store, MerchantModels models, ITrainingRequests retrain, IOptions<TrainingOptions> training, TimeProvider time, ILogger<OutcomeTracker> logger)
{
    /// <summary>Due snapshots evaluated in one night at most (after downtime the rest follow on the next nights).</summary>
    public const int MaxDuePerNight = 7;

    /// <summary>A snapshot whose horizon the data has not passed this many days after it was written is deleted unevaluated.</summary>
    public const int MaxPendingDays = 30;

    /// <summary>The pass over the merchant's shoppers as of <paramref name="dataTime"/> (unix seconds).</summary>
    public async Task<OutcomePass> BeginAsync(MerchantId merchantId, long dataTime, CancellationToken cancellationToken)
    {
        var dataDay = DateOnly.FromDateTime(DateTimeOffset.FromUnixTimeSeconds(dataTime).UtcDateTime);
        var due = new List<PredictionSnapshot>();

        foreach (var stored in await snapshots.ListAsync(merchantId, cancellationToken))
        {
            // Due once the data has moved past the horizon's last day: that day's purchases are all in.
            if (stored.AsOfDay.AddDays(training.Value.HorizonDays) < dataDay)
            {
                if (due.Count < MaxDuePerNight && await ReadAsync(merchantId, stored.AsOfDay, cancellationToken) is { } snapshot && snapshot.HorizonEnd < dataDay)
                {
                    due.Add(snapshot);
                }
            }
            else if (time.GetUtcNow() - stored.WrittenAt > TimeSpan.FromDays(MaxPendingDays))
            {
                // The merchant's data stopped short of the horizon: nothing to compare with, and shopper hashes are not kept
                // indefinitely. If the data is still current enough, tonight records a fresh snapshot of today's shoppers.
                await snapshots.DeleteAsync(merchantId, stored.AsOfDay, cancellationToken);
                LogExpired(merchantId, stored.AsOfDay, stored.WrittenAt);
            }
        }

        return new OutcomePass(due);
    }

    /// <summary>
    /// A stored snapshot, or null when it is gone or unreadable. An unreadable one (damaged, or written in a shape this
    /// version cannot read) is deleted: outcome tracking must never make a merchant's night fail on every retry.
    /// </summary>
    private async Task<PredictionSnapshot?> ReadAsync(MerchantId merchantId, DateOnly day, CancellationToken cancellationToken)
    {
        try
        {
            return await snapshots.GetAsync(merchantId, day, cancellationToken);
        }
        catch (System.Text.Json.JsonException e)
        {
            LogUnreadable(e, merchantId, day);
            await snapshots.DeleteAsync(merchantId, day, cancellationToken);
            return null;
        }
    }

    /// <summary>Evaluates the due snapshots, then records today's for the sampled shoppers as of <paramref name="dataTime"/>.</summary>
    public async Task CompleteAsync(MerchantId merchantId, OutcomePass pass, MerchantStats stats, long dataTime, CancellationToken cancellationToken)
    {
        // The served recipe and the outcomes so far, read once: this loop is the night's only writer of outcomes.
        var state = pass.Due.Count == 0 ? null : await store.GetStateAsync(merchantId, cancellationToken);
        var recipe = ModelVersions.Recipe(state?.ActiveVersion ?? models.Global.Version);
        var outcomes = new List<ModelOutcome>(state?.Outcomes ?? []);
        for (var i = 0; i < pass.Due.Count; i++)
        {
            var snapshot = pass.Due[i];
            var outcome = OutcomeTracking.Evaluate(snapshot, pass.Bought(i), time.GetUtcNow());

            // Sent before the outcome is stored: a failure in between repeats the request on the retry, never loses it.
            if (ModelVersions.Recipe(outcome.ModelVersion) == recipe && LiveEvidence.TurnsLosing(outcomes, outcome, recipe))
            {
                await retrain.RequestAsync(merchantId, cancellationToken);
                LogRetrain(merchantId, recipe, snapshot.AsOfDay);
            }

            var added = false;
            await store.UpdateStateAsync(merchantId, s => added = OutcomeTracking.Append(s, outcome), cancellationToken);
            if (added)
            {
                outcomes.Add(outcome);
            }

            await snapshots.DeleteAsync(merchantId, snapshot.AsOfDay, cancellationToken);
            LogEvaluated(merchantId, snapshot.AsOfDay, outcome.ModelVersion, outcome.Shoppers, outcome.Buyers, outcome.Auc, outcome.RecallAt5, added);
        }

        var sample = pass.Sample();
        if (sample.Count == 0)
        {
            return;
        }

        var model = await models.ForMerchantAsync(merchantId, cancellationToken);
        var today = OutcomeTracking.Snapshot(merchantId, sample, pass.Active, stats, dataTime, model.Score, model.Version, training.Value.HorizonDays, time.GetUtcNow());
        var recorded = await snapshots.TryAddAsync(merchantId, today, cancellationToken);
        LogRecorded(merchantId, today.AsOfDay, today.ModelVersion, sample.Count, pass.Active, recorded);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outcome of {Merchant} as of {AsOfDay} ({ModelVersion}): {Shoppers} shoppers, {Buyers} buyers, AUC {Auc}, Recall@5 {RecallAt5} (added {Added})")]
    private partial void LogEvaluated(string merchant, DateOnly asOfDay, string modelVersion, int shoppers, int buyers, double? auc, double? recallAt5, bool added);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Merchant}'s served recipe {Recipe} now loses to a baseline on live outcomes (as of {AsOfDay}): retraining requested")]
    private partial void LogRetrain(string merchant, string recipe, DateOnly asOfDay);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prediction snapshot of {Merchant} as of {AsOfDay} is unreadable: deleted unevaluated")]
    private partial void LogUnreadable(Exception exception, string merchant, DateOnly asOfDay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Prediction snapshot of {Merchant} as of {AsOfDay} (written {WrittenAt}) expired: the data never passed its horizon")]
    private partial void LogExpired(string merchant, DateOnly asOfDay, DateTimeOffset writtenAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Prediction snapshot of {Merchant} as of {AsOfDay} ({ModelVersion}): {Sampled} of {Active} active shoppers (new {Recorded})")]
    private partial void LogRecorded(string merchant, DateOnly asOfDay, string modelVersion, int sampled, int active, bool recorded);
}
