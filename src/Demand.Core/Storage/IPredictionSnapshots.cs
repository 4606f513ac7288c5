using Demand.Core.Identifiers;
using Demand.Core.Scoring;

namespace Demand.Core.Storage;

/// <summary>Prediction snapshots awaiting their horizon, one per merchant and as-of day (outcome tracking).</summary>
public interface IPredictionSnapshots
{
    /// <summary>Stores the snapshot unless one for its day exists (the first recorded for a day stands); false when it existed.</summary>
    Task<bool> TryAddAsync(MerchantId merchantId, PredictionSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>The merchant's stored snapshots, oldest day first: as-of day and when it was written.</summary>
    Task<IReadOnlyList<StoredSnapshot>> ListAsync(MerchantId merchantId, CancellationToken cancellationToken);

    Task<PredictionSnapshot?> GetAsync(MerchantId merchantId, DateOnly asOfDay, CancellationToken cancellationToken);

    /// <summary>Removes an evaluated snapshot (no error when it is gone already).</summary>
    Task DeleteAsync(MerchantId merchantId, DateOnly asOfDay, CancellationToken cancellationToken);
}

/// <summary>A stored snapshot's as-of day and when it was written (wall clock).</summary>
public sealed record StoredSnapshot(DateOnly AsOfDay, DateTimeOffset WrittenAt);
