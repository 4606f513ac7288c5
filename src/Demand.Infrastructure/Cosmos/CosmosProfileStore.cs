using Demand.Core.Identifiers;
using Demand.Core.Profiles;
using Demand.Core.Storage;

namespace Demand.Infrastructure.Cosmos;

/// <summary>Profiles in Cosmos; concurrent writers (scorer: categories, miner: needs) merge through ETags.</summary>
public sealed class CosmosProfileStore(DemandCosmos cosmos) : IProfileStore
{
    public Task<ProfileDocument?> GetAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<ProfileDocument>(cosmos.Profiles, userId, DemandCosmos.UserKey(merchantId, userId), cancellationToken);

    public Task<ProfileDocument> UpdateAsync(MerchantId merchantId, UserId userId, Action<ProfileDocument> mutate, CancellationToken cancellationToken) =>
        CosmosDocuments.UpdateAsync(
            cosmos.Profiles,
            userId,
            DemandCosmos.UserKey(merchantId, userId),
            () => ProfileDocument.Create(merchantId, userId),
            doc =>
            {
                mutate(doc);
                return true;
            },
            doc => doc.ETag,
            cancellationToken);

    public Task<bool> DeleteAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken) =>
        CosmosDocuments.DeleteAsync(cosmos.Profiles, userId, DemandCosmos.UserKey(merchantId, userId), cancellationToken);
}
