using Demand.Core.Storage;
using Demand.Core.Merchants;
using Microsoft.Azure.Cosmos;

namespace Demand.Infrastructure.Cosmos;

public sealed class CosmosMerchantStore(DemandCosmos cosmos, TimeProvider time) : IMerchantStore
{
    public Task<MerchantDocument?> GetAsync(string merchantId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<MerchantDocument>(cosmos.Merchants, merchantId, new PartitionKey(merchantId), cancellationToken);

    public Task<string> AddKeyAsync(string merchantId, CancellationToken cancellationToken) =>
        AddKeyAsync(merchantId, KeyScope.Storefront, cancellationToken);

    public async Task<string> AddKeyAsync(string merchantId, KeyScope scope, CancellationToken cancellationToken)
    {
        var (key, stored) = ApiKeys.Create(merchantId, time.GetUtcNow(), scope);
        await CosmosDocuments.UpdateAsync(
            cosmos.Merchants,
            merchantId,
            new PartitionKey(merchantId),
            () => new MerchantDocument { Id = merchantId, CreatedAt = time.GetUtcNow() },
            m =>
            {
                m.ApiKeys.RemoveAll(k => k.KeyId == stored.KeyId);
                m.ApiKeys.Add(stored);
                return true;
            },
            m => m.ETag,
            cancellationToken);
        return key;
    }

    public async Task<bool> RevokeKeyAsync(string merchantId, string keyId, CancellationToken cancellationToken)
    {
        var revoked = false;
        await CosmosDocuments.UpdateAsync(
            cosmos.Merchants,
            merchantId,
            new PartitionKey(merchantId),
            () => new MerchantDocument { Id = merchantId, CreatedAt = time.GetUtcNow() },
            m =>
            {
                var index = m.ApiKeys.FindIndex(k => k.KeyId == keyId && k.RevokedAt is null);
                if (index < 0)
                {
                    return false;
                }

                m.ApiKeys[index] = m.ApiKeys[index] with { RevokedAt = time.GetUtcNow() };
                revoked = true;
                return true;
            },
            m => m.ETag,
            cancellationToken);
        return revoked;
    }
}
