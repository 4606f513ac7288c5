using System.Text.Json;
using Demand.Infrastructure.Onnx;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Dashboard;

/// <summary>The model that scores this merchant's shoppers: its version and the figures it was shipped with.</summary>
public sealed class ModelFunctions(IDemandModel model)
{
    [Function("DashboardModel")]
    public Ok<ModelResponse> Model([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Model)] HttpRequest request)
    {
        _ = request;
        return ModelHandlers.GetModel(model);
    }
}

/// <summary>The handler behind <see cref="ModelFunctions"/>.</summary>
public static class ModelHandlers
{
    /// <summary>
    /// The served model's metadata (the figures docs/model-card.md quotes): validation metrics and the logistic-regression
    /// baseline trained on the same rows, as a back-test row each.
    /// </summary>
    public static Ok<ModelResponse> GetModel(IDemandModel model)
    {
        var metadata = model is OnnxModel onnx ? onnx.Metadata : new Dictionary<string, string>();
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        if (metadata.TryGetValue("metrics", out var json))
        {
            using var document = JsonDocument.Parse(json);
            foreach (var property in document.RootElement.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Number))
            {
                metrics[property.Name] = property.Value.GetDouble();
            }
        }

        var backtest = new List<BacktestRow>();
        if (metrics.TryGetValue("validation_auc", out var auc))
        {
            backtest.Add(new BacktestRow(model.Version, new Dictionary<string, double?> { ["AUC"] = auc, ["ECE"] = metrics.GetValueOrDefault("validation_ece") }));
        }

        if (metrics.TryGetValue("logistic_validation_auc", out var baseline))
        {
            backtest.Add(new BacktestRow("logistic regression (baseline)", new Dictionary<string, double?> { ["AUC"] = baseline, ["ECE"] = null }));
        }

        return TypedResults.Ok(new ModelResponse(model.Version, metadata.GetValueOrDefault("feature_version"), metrics, backtest, "model-card"));
    }
}

/// <summary>The active model, its metadata metrics and back-test rows (model and baselines on the same validation data).</summary>
public sealed record ModelResponse(string Version, string? FeatureVersion, IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<BacktestRow> Backtest, string Source);

public sealed record BacktestRow(string Ranker, IReadOnlyDictionary<string, double?> Metrics);
