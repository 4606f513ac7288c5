using Demand.Core.Merchants;

namespace Demand.Core.Storage;

/// <summary>Merchants and their API keys.</summary>
public interface IMerchantStore
{
    Task<MerchantDocument?> GetAsync(string merchantId, CancellationToken cancellationToken);

    /// <summary>Adds a key (creating the merchant if new) and returns the plain key, shown once.</summary>
    Task<string> AddKeyAsync(string merchantId, CancellationToken cancellationToken);

    Task<bool> RevokeKeyAsync(string merchantId, string keyId, CancellationToken cancellationToken);
}
