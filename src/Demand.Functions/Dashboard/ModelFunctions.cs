using System.Text.Json;
using Demand.Core.Storage;
using Demand.Functions.Merchants;
using Demand.Functions.Training;
using Demand.Infrastructure.Onnx;
using Demand.Infrastructure.Scoring;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;

namespace Demand.Functions.Dashboard;

/// <summary>The model page: the merchant's model (the API's handler) and the global model's own figures.</summary>
public sealed class DashboardModelFunctions(IModelStore store, MerchantModels models)
{
    [Function("DashboardModel")]
    public Task<Ok<MerchantModelResponse>> Model(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.Model)] HttpRequest request, CancellationToken cancellationToken) =>
        ModelHandlers.GetModel(request.RouteMerchant(), store, models, cancellationToken);

    [Function("DashboardModelCard")]
    public Ok<ModelCardResponse> ModelCard([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = DashboardRoutes.ModelCard)] HttpRequest request)
    {
        _ = request;
        return ModelCardHandlers.GetCard(models.Global);
    }
}

/// <summary>The handler behind <see cref="DashboardModelFunctions.ModelCard"/>.</summary>
public static class ModelCardHandlers
{
    /// <summary>
    /// The global model's metadata — the figures docs/model-card.md quotes: validation metrics and the logistic-regression
    /// baseline trained on the same rows, shown when a merchant has no back-test of its own yet.
    /// </summary>
    public static Ok<ModelCardResponse> GetCard(IDemandModel model)
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

        return TypedResults.Ok(new ModelCardResponse(model.Version, metadata.GetValueOrDefault("feature_version"), metrics));
    }
}

/// <summary>The global model's version, feature version and validation metrics from its metadata.</summary>
public sealed record ModelCardResponse(string Version, string? FeatureVersion, IReadOnlyDictionary<string, double> Metrics);
