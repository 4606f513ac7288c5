using Demand.Core.Identifiers;
using Demand.Core.Scoring;

namespace Demand.Core.Storage;

/// <summary>Prediction snapshots awaiting their horizon, one per merchant and as-of day (outcome tracking).</summary>
public interface IPredictionSnapshots
{
    /// <summary>Stores the snapshot unless one for its day exists (the first recorded for a day stands); false when it existed.</summary>
    Task<bool> TryAddAsync(MerchantId merchantId, PredictionSnapshot snapshot, CancellationToken cancellationToken);

    /// <summary>The as-of days of the merchant's stored snapshots.</summary>
    Task<IReadOnlyList<DateOnly>> ListAsync(MerchantId merchantId, CancellationToken cancellationToken);

    Task<PredictionSnapshot?> GetAsync(MerchantId merchantId, DateOnly asOfDay, CancellationToken cancellationToken);

    /// <summary>Removes an evaluated snapshot (no error when it is gone already).</summary>
    Task DeleteAsync(MerchantId merchantId, DateOnly asOfDay, CancellationToken cancellationToken);
}
