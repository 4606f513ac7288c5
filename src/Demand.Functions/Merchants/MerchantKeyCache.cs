using Demand.Core.Storage;
using System.Collections.Concurrent;
using Demand.Core.Merchants;
using Demand.Infrastructure.Cosmos;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Merchants;

/// <summary>
/// Verifies API keys against merchant documents kept for <c>Api:KeyCacheSeconds</c>. Without it every API call
/// costs two Cosmos reads (the merchant's keys, then the data), which halves the throughput of profile reads.
/// A key the cached copy does not accept is checked against a fresh read before the answer is 401, so a key added
/// a moment ago works at once; a revoked key keeps working on an instance for at most the cache time.
/// </summary>
public sealed class MerchantKeyCache(IMerchantStore merchants, IOptions<ApiOptions> options, TimeProvider time)
{
    // Entries exist only for merchants that exist, so callers inventing merchant ids cannot grow the cache.
    private readonly ConcurrentDictionary<string, (MerchantDocument Merchant, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);

    public Task<bool> VerifyAsync(string merchantId, string keyId, string secret, CancellationToken cancellationToken) =>
        CheckAsync(merchantId, m => ApiKeys.Verify(m, keyId, secret), cancellationToken);

    /// <summary>A dashboard key's secret, at sign-in.</summary>
    public Task<bool> VerifyDashboardAsync(string merchantId, string keyId, string secret, CancellationToken cancellationToken) =>
        CheckAsync(merchantId, m => ApiKeys.Verify(m, keyId, secret, KeyScope.Dashboard), cancellationToken);

    /// <summary>Whether the dashboard key a session names is still active (revoking it ends its sessions within the cache time).</summary>
    public Task<bool> IsActiveDashboardKeyAsync(string merchantId, string keyId, CancellationToken cancellationToken) =>
        CheckAsync(merchantId, m => ApiKeys.IsActive(m, keyId, KeyScope.Dashboard), cancellationToken);

    private async Task<bool> CheckAsync(string merchantId, Func<MerchantDocument, bool> accepts, CancellationToken cancellationToken)
    {
        var ttl = TimeSpan.FromSeconds(options.Value.KeyCacheSeconds);
        if (ttl > TimeSpan.Zero && _entries.TryGetValue(merchantId, out var cached) && cached.Until > time.GetUtcNow() && accepts(cached.Merchant))
        {
            return true;
        }

        var merchant = await merchants.GetAsync(merchantId, cancellationToken);
        if (merchant is null)
        {
            _entries.TryRemove(merchantId, out _);
            return false;
        }

        if (ttl > TimeSpan.Zero)
        {
            _entries[merchantId] = (merchant, time.GetUtcNow() + ttl);
        }

        return accepts(merchant);
    }
}
