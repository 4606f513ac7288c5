using System.Collections.Concurrent;
using Demand.Core.Features;
using Demand.Core.Scoring;
using Demand.Infrastructure.Cosmos;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace Demand.Infrastructure.Scoring;

/// <summary>
/// Merchant statistics: memory cache → <c>insights/stats</c> point read → rebuild from the merchant's features. Single
/// flight per merchant: concurrent callers (a part's ScoreUsers fan-out) share one load or rebuild instead of each
/// streaming every shopper of the merchant.
/// </summary>
public sealed class MerchantStatsProvider(DemandCosmos cosmos, IOptions<ModelOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (MerchantStats Stats, DateTimeOffset Loaded)> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<MerchantStats>>> _inFlight = new(StringComparer.Ordinal);
    private long _loads;

    /// <summary>Loads and rebuilds started (not calls): what single flight keeps at one per merchant at a time.</summary>
    public long Loads => Interlocked.Read(ref _loads);

    public async Task<MerchantStats> GetAsync(string merchantId, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue(merchantId, out var cached) && time.GetUtcNow() - cached.Loaded < TimeSpan.FromMinutes(5))
        {
            return cached.Stats;
        }

        var flight = _inFlight.GetOrAdd(merchantId, m => new Lazy<Task<MerchantStats>>(() => LoadAsync(m)));
        // The shared load is not cancelled by any one caller; each caller stops waiting on its own token.
        return await flight.Value.WaitAsync(cancellationToken);
    }

    private async Task<MerchantStats> LoadAsync(string merchantId)
    {
        try
        {
            Interlocked.Increment(ref _loads);
            var now = time.GetUtcNow();
            var stored = await CosmosDocuments.ReadAsync<MerchantStats>(cosmos.Insights, MerchantStats.DocumentId, DemandCosmos.MerchantKey(merchantId), CancellationToken.None);
            if (stored is null || now - stored.BuiltAt > TimeSpan.FromMinutes(options.Value.StatsMaxAgeMinutes) || stored.Users == 0)
            {
                stored = await RebuildAsync(merchantId, now, CancellationToken.None);
            }

            _cache[merchantId] = (stored, now);
            return stored;
        }
        finally
        {
            _inFlight.TryRemove(merchantId, out _);
        }
    }

    /// <summary>Rebuilds by streaming every feature document of the merchant through the builder, and stores the result.</summary>
    public async Task<MerchantStats> RebuildAsync(string merchantId, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var builder = new MerchantStatsBuilder(merchantId, asOf.ToUnixTimeSeconds());
        await foreach (var user in StreamFeaturesAsync(cosmos, merchantId, cancellationToken))
        {
            builder.Add(user);
        }

        return await SaveAsync(merchantId, builder.Build(), cancellationToken);
    }

    /// <summary>Rebuilds from feature documents the caller already read (the nightly run needs them anyway) and stores the result.</summary>
    public async Task<MerchantStats> RebuildAsync(string merchantId, IReadOnlyCollection<UserFeatures> users, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var stats = MerchantStats.Build(merchantId, users, asOf.ToUnixTimeSeconds());
        return await SaveAsync(merchantId, stats, cancellationToken);
    }

    /// <summary>Stores statistics built by the caller (the nightly run builds them while it streams the merchant's shoppers).</summary>
    public async Task<MerchantStats> SaveAsync(string merchantId, MerchantStats stats, CancellationToken cancellationToken)
    {
        await cosmos.Insights.UpsertItemAsync(stats, DemandCosmos.MerchantKey(merchantId), cancellationToken: cancellationToken);
        _cache[merchantId] = (stats, time.GetUtcNow());
        return stats;
    }

    /// <summary>
    /// Options for queries that walk all of one merchant's documents. A large page: cosmosdb-server answers the SDK's
    /// continuation request of such a query with 400 "missing partition keys" (it lacks the cross-partition header),
    /// so locally a merchant must fit one page; Azure Cosmos DB still pages by response size and continues correctly.
    /// </summary>
    public static QueryRequestOptions MerchantScan => new() { EnableOptimisticDirectExecution = true, MaxItemCount = 100_000 };

    /// <summary>
    /// All feature documents of a merchant, page by page (one page in memory at a time). A query filtered by merchant
    /// (indexed) rather than a partition-key-prefix query: cosmosdb-server rejects prefix keys, and the filter is what
    /// keeps tenants apart in both places.
    /// </summary>
    public static async IAsyncEnumerable<UserFeatures> StreamFeaturesAsync(DemandCosmos cosmos, string merchantId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m").WithParameter("@m", merchantId);
        using var feed = cosmos.Features.GetItemQueryIterator<UserFeatures>(query, requestOptions: MerchantScan);
        while (feed.HasMoreResults)
        {
            foreach (var user in await feed.ReadNextAsync(cancellationToken))
            {
                if (user.MerchantId == merchantId)
                {
                    yield return user;
                }
            }
        }
    }

    /// <summary>All feature documents of a merchant in a list, for callers that need them all at once (the nightly run).</summary>
    public static async Task<List<UserFeatures>> ReadFeaturesAsync(DemandCosmos cosmos, string merchantId, CancellationToken cancellationToken)
    {
        var users = new List<UserFeatures>();
        await foreach (var user in StreamFeaturesAsync(cosmos, merchantId, cancellationToken))
        {
            users.Add(user);
        }

        return users;
    }
}
