using Demand.Core.Identifiers;
using Demand.Core.Features;
using Demand.Core.Storage;

namespace Demand.Infrastructure.Cosmos;

/// <summary>
/// The <c>features</c> container. A merge is an ETag read-modify-write that first checks the document's ledger
/// of merged parts: a part merged before (a redelivery, or a retry after a crash half-way) changes nothing.
/// </summary>
public sealed class CosmosFeatureStore(DemandCosmos cosmos) : IFeatureStore
{
    public Task<UserFeatures?> GetAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<UserFeatures>(cosmos.Features, userId, DemandCosmos.UserKey(merchantId, userId), cancellationToken);

    public async Task<MergeOutcome> MergeAsync(string partId, UserFeatures partial, CancellationToken cancellationToken)
    {
        var outcome = MergeOutcome.AlreadyMerged;
        await CosmosDocuments.UpdateAsync(
            cosmos.Features,
            partial.UserId,
            DemandCosmos.UserKey(partial.MerchantId, partial.UserId),
            () => UserFeatures.Create(partial.MerchantId, partial.UserId),
            current =>
            {
                if (!current.TryMarkMerged(partId))
                {
                    outcome = MergeOutcome.AlreadyMerged;
                    return false;
                }

                current.Merge(partial);
                outcome = MergeOutcome.Merged;
                return true;
            },
            doc => doc.ETag,
            cancellationToken);
        return outcome;
    }

    public Task<bool> DeleteAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken) =>
        CosmosDocuments.DeleteAsync(cosmos.Features, userId, DemandCosmos.UserKey(merchantId, userId), cancellationToken);
}
