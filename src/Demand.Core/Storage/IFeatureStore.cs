using Demand.Core.Identifiers;
using Demand.Core.Features;
using Demand.Core.Profiles;

namespace Demand.Core.Storage;

/// <summary>Outcome of merging one source part (or real-time batch) into one user's feature state.</summary>
public enum MergeOutcome
{
    Merged,
    AlreadyMerged,
    Suppressed,
}

/// <summary>Per-user feature state (<c>features</c> container).</summary>
public interface IFeatureStore
{
    Task<UserFeatures?> GetAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken);

    /// <summary>Merges <paramref name="partial"/> exactly once per <paramref name="partId"/> (ETag read-modify-write, retry on 412).</summary>
    Task<MergeOutcome> MergeAsync(string partId, UserFeatures partial, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken);
}
