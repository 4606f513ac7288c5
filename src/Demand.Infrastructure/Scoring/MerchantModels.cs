using System.Collections.Concurrent;
using Demand.Core.Identifiers;
using Demand.Core.Scoring;
using Demand.Core.Storage;
using Demand.Infrastructure.Onnx;
using Microsoft.Extensions.Logging;

namespace Demand.Infrastructure.Scoring;

/// <summary>
/// The model that serves a merchant: its promoted version (an ONNX file from <see cref="IModelStore"/>, loaded once per
/// version) or the global model when none is promoted. The merchant's model state is re-read at most once a minute per
/// instance, and at once after a training run in this instance (<see cref="Forget"/>).
/// </summary>
public sealed partial class MerchantModels(IDemandModel global, IModelStore store, TimeProvider time, ILogger<MerchantModels> logger)
{
    private static readonly TimeSpan StateTtl = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (IDemandModel Model, DateTimeOffset Loaded)> _served = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Merchant, string Version), IDemandModel> _versions = new();

    public IDemandModel Global => global;

    public async Task<IDemandModel> ForMerchantAsync(MerchantId merchantId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_served.TryGetValue(merchantId, out var cached) && now - cached.Loaded < StateTtl)
        {
            return cached.Model;
        }

        var state = await store.GetStateAsync(merchantId, cancellationToken);
        var model = global;
        if (state is { ActiveVersion: { } version } && state.ActiveKind != CandidateKind.Global)
        {
            model = await LoadAsync(merchantId, version, cancellationToken) ?? global;
        }

        _served[merchantId] = (model, now);
        return model;
    }

    /// <summary>A stored version as a model (cached), or null when its file is missing.</summary>
    public async Task<IDemandModel?> LoadAsync(MerchantId merchantId, string version, CancellationToken cancellationToken)
    {
        if (_versions.TryGetValue((merchantId, version), out var loaded))
        {
            return loaded;
        }

        var bytes = await store.GetVersionAsync(merchantId, version, cancellationToken);
        if (bytes is null)
        {
            // Serving goes on with the global model; the next training run promotes a stored version again.
            LogMissing(merchantId, version);
            return null;
        }

        var model = OnnxModel.Load(bytes, PairFeatures.Names, PairFeatures.Version);
        return _versions.GetOrAdd((merchantId, version), model);
    }

    public void Forget(MerchantId merchantId) => _served.TryRemove(merchantId, out _);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model version {Version} of {Merchant} is active but its file is missing: serving the global model")]
    private partial void LogMissing(string merchant, string version);
}
