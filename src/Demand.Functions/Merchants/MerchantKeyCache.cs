using Demand.Core.Identifiers;
using Demand.Core.Storage;
using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Demand.Core.Merchants;
using Demand.Infrastructure.Cosmos;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Merchants;

/// <summary>
/// Verifies API keys against merchant documents kept for <c>Api:KeyCacheSeconds</c>. Without it every API call
/// costs two Cosmos reads (the merchant's keys, then the data), which halves the throughput of profile reads.
/// A key id the cached copy does not know is checked against a fresh read before the answer is 401, so a key added
/// a moment ago works at once; a key id it knows is judged by the cached copy (ids are never reused), so forged
/// secrets cost no read. Fresh reads for key ids or merchants the instance does not know share an instance-wide budget
/// (<c>Api:FreshKeyReadsPerSecond</c>): a flood of invented ids costs at most that many reads a second. A revoked key
/// keeps working on an instance for at most the cache time.
/// </summary>
public sealed class MerchantKeyCache : IDisposable
{
    private readonly IMerchantStore _merchants;
    private readonly IOptions<ApiOptions> _options;
    private readonly TimeProvider _time;
    private readonly TokenBucketRateLimiter _freshReads;

    // Entries exist only for merchants that exist, so callers inventing merchant ids cannot grow the cache.
    private readonly ConcurrentDictionary<MerchantId, (MerchantDocument Merchant, DateTimeOffset Until)> _entries = new();

    public MerchantKeyCache(IMerchantStore merchants, IOptions<ApiOptions> options, TimeProvider time)
    {
        _merchants = merchants;
        _options = options;
        _time = time;
        var perSecond = options.Value.FreshKeyReadsPerSecond;
        _freshReads = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond, TokensPerPeriod = perSecond, ReplenishmentPeriod = TimeSpan.FromSeconds(1), QueueLimit = 0, AutoReplenishment = true,
        });
    }

    public Task<bool> VerifyAsync(MerchantId merchantId, string keyId, string secret, CancellationToken cancellationToken) =>
        CheckAsync(merchantId, keyId, m => ApiKeys.Verify(m, keyId, secret), cancellationToken);

    /// <summary>A dashboard key's secret, at sign-in.</summary>
    public Task<bool> VerifyDashboardAsync(MerchantId merchantId, string keyId, string secret, CancellationToken cancellationToken) =>
        CheckAsync(merchantId, keyId, m => ApiKeys.Verify(m, keyId, secret, KeyScope.Dashboard), cancellationToken);

    /// <summary>Whether the dashboard key a session names is still active (revoking it ends its sessions within the cache time).</summary>
    public Task<bool> IsActiveDashboardKeyAsync(MerchantId merchantId, string keyId, CancellationToken cancellationToken) =>
        CheckAsync(merchantId, keyId, m => ApiKeys.IsActive(m, keyId, KeyScope.Dashboard), cancellationToken);

    public void Dispose() => _freshReads.Dispose();

    private async Task<bool> CheckAsync(MerchantId merchantId, string keyId, Func<MerchantDocument, bool> accepts, CancellationToken cancellationToken)
    {
        var ttl = TimeSpan.FromSeconds(_options.Value.KeyCacheSeconds);
        if (ttl > TimeSpan.Zero && _entries.TryGetValue(merchantId, out var cached) && cached.Until > _time.GetUtcNow())
        {
            if (accepts(cached.Merchant))
            {
                return true;
            }

            if (cached.Merchant.ApiKeys.Any(k => k.KeyId == keyId))
            {
                // A key id the cached copy knows: a wrong secret (or a revoked or other-scope key) needs no second opinion.
                return false;
            }
        }

        using var lease = _freshReads.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            return false;
        }

        var merchant = await _merchants.GetAsync(merchantId, cancellationToken);
        if (merchant is null)
        {
            _entries.TryRemove(merchantId, out _);
            return false;
        }

        if (ttl > TimeSpan.Zero)
        {
            _entries[merchantId] = (merchant, _time.GetUtcNow() + ttl);
        }

        return accepts(merchant);
    }
}
