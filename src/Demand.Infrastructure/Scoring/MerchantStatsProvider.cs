using System.Collections.Concurrent;
using Demand.Core.Features;
using Demand.Core.Scoring;
using Demand.Infrastructure.Cosmos;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace Demand.Infrastructure.Scoring;

/// <summary>
/// Merchant statistics: memory cache → <c>insights/stats</c> point read → rebuild from the merchant's features.
/// Statistics are always built as of the merchant's data time (<see cref="MerchantStats.DataTime"/>), never the wall
/// clock: decayed purchase rates of a historical log are not decayed to nothing by the years since.
/// </summary>
public sealed class MerchantStatsProvider(DemandCosmos cosmos, IOptions<ModelOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (MerchantStats Stats, DateTimeOffset Loaded)> _cache = new(StringComparer.Ordinal);

    /// <summary>
    /// The merchant's statistics, rebuilt when older than <c>Model:StatsMaxAgeMinutes</c> by the wall clock or when the
    /// data has moved on by more than that since they were built (<paramref name="dataTime"/>: the newest event the caller
    /// knows of, unix seconds).
    /// </summary>
    public async Task<MerchantStats> GetAsync(string merchantId, long dataTime, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var maxAge = TimeSpan.FromMinutes(options.Value.StatsMaxAgeMinutes);
        if (_cache.TryGetValue(merchantId, out var cached) && now - cached.Loaded < TimeSpan.FromMinutes(5) && !Behind(cached.Stats))
        {
            return cached.Stats;
        }

        var stored = await CosmosDocuments.ReadAsync<MerchantStats>(cosmos.Insights, MerchantStats.DocumentId, DemandCosmos.MerchantKey(merchantId), cancellationToken);
        if (stored is null || now - stored.BuiltAt > maxAge || stored.Users == 0 || Behind(stored))
        {
            stored = await RebuildAsync(merchantId, cancellationToken);
        }

        _cache[merchantId] = (stored, now);
        return stored;

        bool Behind(MerchantStats stats) => dataTime - stats.AsOf > maxAge.TotalSeconds;
    }

    /// <summary>Rebuilds from every feature document of the merchant, as of its data time, and stores the result.</summary>
    public async Task<MerchantStats> RebuildAsync(string merchantId, CancellationToken cancellationToken)
    {
        var users = await ReadFeaturesAsync(cosmos, merchantId, cancellationToken);
        return await RebuildAsync(merchantId, users, MerchantStats.DataTime(users), cancellationToken);
    }

    /// <summary>Rebuilds from feature documents the caller already read (the nightly run needs them anyway) and stores the result.</summary>
    public async Task<MerchantStats> RebuildAsync(string merchantId, IReadOnlyCollection<UserFeatures> users, long asOf, CancellationToken cancellationToken)
    {
        var stats = MerchantStats.Build(merchantId, users, asOf);
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
