using Demand.Core.Merchants;

namespace Demand.Core.Storage;

/// <summary>Merchants and their API keys.</summary>
public interface IMerchantStore
{
    Task<MerchantDocument?> GetAsync(string merchantId, CancellationToken cancellationToken);

    /// <summary>Adds a key (creating the merchant if new) and returns the plain key, shown once.</summary>
    Task<string> AddKeyAsync(string merchantId, CancellationToken cancellationToken);

    /// <summary>Adds a key of <paramref name="scope"/> (dashboard keys only sign in to the dashboard) and returns it, shown once.</summary>
    Task<string> AddKeyAsync(string merchantId, KeyScope scope, CancellationToken cancellationToken);

    Task<bool> RevokeKeyAsync(string merchantId, string keyId, CancellationToken cancellationToken);
}
