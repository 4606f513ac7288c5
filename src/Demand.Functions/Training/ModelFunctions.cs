using Demand.Core.Identifiers;
using Demand.Core.Scoring;
using Demand.Core.Storage;
using Demand.Functions.Merchants;
using Demand.Infrastructure.Scoring;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Training;

/// <summary>The merchant's model: what serves its profiles, its back-test next to the baselines, its promotions, and the outcomes of what it served.</summary>
public sealed class ModelFunctions(IModelStore store, MerchantModels models)
{
    [Function("GetMerchantModel")]
    public Task<Ok<MerchantModelResponse>> GetModel(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = ApiRoutes.Model)] HttpRequest request, CancellationToken cancellationToken) =>
        ModelHandlers.GetModel(request.RouteMerchant(), store, models, cancellationToken);
}

/// <summary>The handler behind <see cref="ModelFunctions"/>, also described in OpenAPI.</summary>
public static class ModelHandlers
{
    public static async Task<Ok<MerchantModelResponse>> GetModel(MerchantId merchantId, [FromServices] IModelStore store, [FromServices] MerchantModels models, CancellationToken cancellationToken)
    {
        var state = await store.GetStateAsync(merchantId, cancellationToken);
        var global = models.Global.Version;
        var run = state?.LastRun;
        return TypedResults.Ok(new MerchantModelResponse(
            ActiveVersion: state?.ActiveVersion ?? global,
            Kind: (state?.ActiveKind ?? CandidateKind.Global).ToString().ToLowerInvariant(),
            Name: state?.ActiveName ?? "global model (" + global + ")",
            LastTraining: run is null ? null : new TrainingRunResponse(
                run.At, run.HistoryEnd, run.BackTestFrom, run.TrainingPairs, run.SampledOutPairs, run.BackTestBuyers, run.Winner, run.Promoted, run.Reason, run.MerchantModelSkipped,
                [.. run.BackTest.Select(f => new BackTestFigures(f.Name, f.Kind.ToString().ToLowerInvariant(), f.Auc, f.RecallAt5))],
                [.. run.Live.Select(r => new LiveRecordResponse(r.Recipe, r.Horizons, r.Buyers, r.RecallAt5, r.BestBaseline, r.BestBaselineRecallAt5, r.Losing))],
                run.LeftOut),
            Promotions: [.. (state?.Promotions ?? []).Select(p => new PromotionResponse(p.Version, p.Name, p.Kind.ToString().ToLowerInvariant(), p.At, p.Auc, p.RecallAt5, p.BestBaselineRecallAt5, p.Reason))],
            Outcomes: [.. (state?.Outcomes ?? []).Select(o => new OutcomeResponse(
                o.ModelVersion, o.AsOfDay, o.AsOf, o.HorizonEnd, o.EvaluatedAt, o.Shoppers, o.Buyers, o.Pairs, o.Auc, o.RecallAt5, o.Ece, o.MeanPropensity, o.ObservedRate,
                [.. o.Baselines.Select(b => new OutcomeBaselineResponse(b.Name, b.Auc, b.RecallAt5))]))]));
    }
}

/// <summary>GET /api/v1/merchants/{m}/model (docs/api.md).</summary>
public sealed record MerchantModelResponse(string ActiveVersion, string Kind, string Name, TrainingRunResponse? LastTraining, IReadOnlyList<PromotionResponse> Promotions, IReadOnlyList<OutcomeResponse> Outcomes);

public sealed record TrainingRunResponse(
    DateTimeOffset At, DateOnly HistoryEnd, DateOnly BackTestFrom, int TrainingPairs, int SampledOutPairs, int BackTestBuyers, string Winner, bool Promoted, string Reason, string? MerchantModelSkipped,
    IReadOnlyList<BackTestFigures> BackTest, IReadOnlyList<LiveRecordResponse> Live, IReadOnlyList<string> LeftOut);

/// <summary>
/// A recipe's outcomes pooled over its newest horizons (Recall@5 weighted by buyers) next to the best baseline on the
/// same shoppers; <c>Losing</c>: enough evidence that it served worse, so the gate leaves it out.
/// </summary>
public sealed record LiveRecordResponse(string Recipe, int Horizons, int Buyers, double RecallAt5, string BestBaseline, double BestBaselineRecallAt5, bool Losing);

public sealed record BackTestFigures(string Name, string Kind, double Auc, double RecallAt5);

public sealed record PromotionResponse(string Version, string Name, string Kind, DateTimeOffset At, double Auc, double RecallAt5, double BestBaselineRecallAt5, string Reason);

/// <summary>
/// What the predictions served as of <c>AsOfDay</c> (by <c>ModelVersion</c>) were worth against the purchases of the
/// horizon's days (to <c>HorizonEnd</c>): ranking and calibration, next to the baselines on the same shoppers.
/// </summary>
public sealed record OutcomeResponse(
    string ModelVersion, DateOnly AsOfDay, DateTimeOffset AsOf, DateOnly HorizonEnd, DateTimeOffset EvaluatedAt, int Shoppers, int Buyers, int Pairs,
    double? Auc, double? RecallAt5, double Ece, double MeanPropensity, double ObservedRate, IReadOnlyList<OutcomeBaselineResponse> Baselines);

public sealed record OutcomeBaselineResponse(string Name, double? Auc, double? RecallAt5);
