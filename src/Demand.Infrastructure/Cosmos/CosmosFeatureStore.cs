using Demand.Core.Features;
using Demand.Core.Storage;

namespace Demand.Infrastructure.Cosmos;

/// <summary>
/// Per-user features in Cosmos. A merge records the part id in the document's ledger in the same
/// If-Match write as the data, so a part is merged into a user at most once however often it is delivered.
/// </summary>
public sealed class CosmosFeatureStore(DemandCosmos cosmos) : IFeatureStore
{
    public Task<UserFeatures?> GetAsync(string merchantId, string userId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<UserFeatures>(cosmos.Features, userId, DemandCosmos.UserKey(merchantId, userId), cancellationToken);

    public async Task<MergeOutcome> MergeAsync(string partId, UserFeatures partial, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(partial);
        var merged = false;
        await CosmosDocuments.UpdateAsync(
            cosmos.Features,
            partial.UserId,
            DemandCosmos.UserKey(partial.MerchantId, partial.UserId),
            () => UserFeatures.Create(partial.MerchantId, partial.UserId),
            document =>
            {
                // Runs again on a fresh copy after a 412, so the flag reflects the write that landed.
                merged = document.TryMarkMerged(partId);
                if (merged)
                {
                    document.Merge(partial);
                }

                return merged;
            },
            document => document.ETag,
            cancellationToken);
        return merged ? MergeOutcome.Merged : MergeOutcome.AlreadyMerged;
    }

    public Task<bool> DeleteAsync(string merchantId, string userId, CancellationToken cancellationToken) =>
        CosmosDocuments.DeleteAsync(cosmos.Features, userId, DemandCosmos.UserKey(merchantId, userId), cancellationToken);
}
