using System.Collections.Concurrent;
using Demand.Core.Identifiers;
using Demand.Core.Scoring;
using Demand.Core.Storage;

namespace Demand.Functions.Tests.Infrastructure;

/// <summary>
/// Prediction snapshots in memory for test apps without Azurite (the nightly records one per merchant). The blob store
/// itself is exercised against Azurite by <c>OutcomeTrackingTests</c>.
/// </summary>
public sealed class MemoryPredictionSnapshots : IPredictionSnapshots
{
    private readonly ConcurrentDictionary<(string Merchant, DateOnly Day), PredictionSnapshot> _snapshots = new();

    public Task<bool> TryAddAsync(MerchantId merchantId, PredictionSnapshot snapshot, CancellationToken cancellationToken) =>
        Task.FromResult(_snapshots.TryAdd((merchantId, snapshot.AsOfDay), snapshot));

    public Task<IReadOnlyList<StoredSnapshot>> ListAsync(MerchantId merchantId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StoredSnapshot>>([.. _snapshots.Where(s => s.Key.Merchant == merchantId).OrderBy(s => s.Key.Day).Select(s => new StoredSnapshot(s.Key.Day, s.Value.RecordedAt))]);

    public Task<PredictionSnapshot?> GetAsync(MerchantId merchantId, DateOnly asOfDay, CancellationToken cancellationToken) =>
        Task.FromResult(_snapshots.GetValueOrDefault((merchantId, asOfDay)));

    public Task DeleteAsync(MerchantId merchantId, DateOnly asOfDay, CancellationToken cancellationToken)
    {
        _snapshots.TryRemove((merchantId, asOfDay), out _);
        return Task.CompletedTask;
    }
}
