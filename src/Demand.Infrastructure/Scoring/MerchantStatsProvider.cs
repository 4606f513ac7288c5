using System.Collections.Concurrent;
using Demand.Core.Features;
using Demand.Core.Scoring;
using Demand.Infrastructure.Cosmos;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace Demand.Infrastructure.Scoring;

/// <summary>Merchant statistics: memory cache → <c>insights/stats</c> point read → rebuild from the merchant's features.</summary>
public sealed class MerchantStatsProvider(DemandCosmos cosmos, IOptions<ModelOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (MerchantStats Stats, DateTimeOffset Loaded)> _cache = new(StringComparer.Ordinal);

    public async Task<MerchantStats> GetAsync(string merchantId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_cache.TryGetValue(merchantId, out var cached) && now - cached.Loaded < TimeSpan.FromMinutes(5))
        {
            return cached.Stats;
        }

        var stored = await CosmosDocuments.ReadAsync<MerchantStats>(cosmos.Insights, MerchantStats.DocumentId, DemandCosmos.MerchantKey(merchantId), cancellationToken);
        if (stored is null || now - stored.BuiltAt > TimeSpan.FromMinutes(options.Value.StatsMaxAgeMinutes) || stored.Users == 0)
        {
            stored = await RebuildAsync(merchantId, now, cancellationToken);
        }

        _cache[merchantId] = (stored, now);
        return stored;
    }

    /// <summary>Rebuilds from every feature document of the merchant and stores the result.</summary>
    public async Task<MerchantStats> RebuildAsync(string merchantId, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var users = await ReadFeaturesAsync(cosmos, merchantId, cancellationToken);
        return await RebuildAsync(merchantId, users, asOf, cancellationToken);
    }

    /// <summary>Rebuilds from feature documents the caller already read (the nightly run needs them anyway) and stores the result.</summary>
    public async Task<MerchantStats> RebuildAsync(string merchantId, IReadOnlyCollection<UserFeatures> users, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var stats = MerchantStats.Build(merchantId, users, asOf.ToUnixTimeSeconds());
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
    /// All feature documents of a merchant. A query filtered by merchant (indexed) rather than a partition-key-prefix
    /// query: cosmosdb-server rejects prefix keys, and the filter is what keeps tenants apart in both places.
    /// </summary>
    public static async Task<List<UserFeatures>> ReadFeaturesAsync(DemandCosmos cosmos, string merchantId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m").WithParameter("@m", merchantId);
        var users = new List<UserFeatures>();
        using var feed = cosmos.Features.GetItemQueryIterator<UserFeatures>(query, requestOptions: MerchantScan);
        while (feed.HasMoreResults)
        {
            foreach (var user in await feed.ReadNextAsync(cancellationToken))
            {
                if (user.MerchantId == merchantId)
                {
                    users.Add(user);
                }
            }
        }

        return users;
    }
}
