using Demand.Core.Identifiers;
using Demand.Core.Features;
using Demand.Core.Storage;

namespace Demand.Infrastructure.Cosmos;

/// <summary>
/// The <c>features</c> container. A merge is an ETag read-modify-write that first checks the document's ledger
/// of merged parts: a part merged before (a redelivery, or a retry after a crash half-way) changes nothing; then each
/// event with an id is counted only if the document's event-id window has not counted it.
/// </summary>
public sealed class CosmosFeatureStore(DemandCosmos cosmos) : IFeatureStore
{
    public Task<UserFeatures?> GetAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<UserFeatures>(cosmos.Features, userId, DemandCosmos.UserKey(merchantId, userId), cancellationToken);

    public async Task<MergeResult> MergeAsync(string? partId, UserFeatures partial, CancellationToken cancellationToken)
    {
        var result = new MergeResult(MergeOutcome.AlreadyMerged, MergeCount.None);
        await CosmosDocuments.UpdateAsync(
            cosmos.Features,
            partial.UserId,
            DemandCosmos.UserKey(partial.MerchantId, partial.UserId),
            () => UserFeatures.Create(partial.MerchantId, partial.UserId),
            current =>
            {
                // Runs again on a 412: the result is always the last attempt's.
                if (partId is not null && current.MergedParts.Contains(partId))
                {
                    result = new MergeResult(MergeOutcome.AlreadyMerged, MergeCount.None);
                    return false;
                }

                var events = current.MergeCounted(partial, countUncheckable: partId is not null);
                if (events.NeedsEvents)
                {
                    result = new MergeResult(MergeOutcome.NeedsEvents, events);
                    return false;
                }

                if (partId is not null)
                {
                    current.TryMarkMerged(partId);
                }

                result = new MergeResult(MergeOutcome.Merged, events);
                return partId is not null || events.Counted > 0 || partial.EventCount > partial.IdentifiedCount;
            },
            doc => doc.ETag,
            cancellationToken);
        return result;
    }

    public Task<bool> DeleteAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken) =>
        CosmosDocuments.DeleteAsync(cosmos.Features, userId, DemandCosmos.UserKey(merchantId, userId), cancellationToken);
}
