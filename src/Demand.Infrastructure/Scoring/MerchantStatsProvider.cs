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
/// clock: decayed purchase rates of a historical log are not decayed to nothing by the years since. Single flight per
/// merchant: concurrent callers (a part's ScoreUsers fan-out) share one load or rebuild instead of each streaming every
/// shopper of the merchant.
/// </summary>
public sealed class MerchantStatsProvider(DemandCosmos cosmos, IOptions<ModelOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (MerchantStats Stats, DateTimeOffset Loaded)> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<MerchantStats>>> _inFlight = new(StringComparer.Ordinal);
    private long _loads;

    /// <summary>Loads and rebuilds started (not calls): what single flight keeps at one per merchant at a time.</summary>
    public long Loads => Interlocked.Read(ref _loads);

    /// <summary>
    /// The merchant's statistics, rebuilt when older than <c>Model:StatsMaxAgeMinutes</c> by the wall clock or when the
    /// data has moved on by more than that since they were built (<paramref name="dataTime"/>: the newest event the caller
    /// knows of, unix seconds).
    /// </summary>
    public async Task<MerchantStats> GetAsync(string merchantId, long dataTime, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var maxAge = TimeSpan.FromMinutes(options.Value.StatsMaxAgeMinutes);
        if (_cache.TryGetValue(merchantId, out var cached) && now - cached.Loaded < TimeSpan.FromMinutes(5) && !Behind(cached.Stats, dataTime, maxAge))
        {
            return cached.Stats;
        }

        var flight = _inFlight.GetOrAdd(merchantId, m => new Lazy<Task<MerchantStats>>(() => LoadAsync(m, dataTime)));
        // The shared load is not cancelled by any one caller; each caller stops waiting on its own token.
        return await flight.Value.WaitAsync(cancellationToken);
    }

    private static bool Behind(MerchantStats stats, long dataTime, TimeSpan maxAge) => dataTime - stats.AsOf > maxAge.TotalSeconds;

    private async Task<MerchantStats> LoadAsync(string merchantId, long dataTime)
    {
        try
        {
            Interlocked.Increment(ref _loads);
            var now = time.GetUtcNow();
            var maxAge = TimeSpan.FromMinutes(options.Value.StatsMaxAgeMinutes);
            var stored = await CosmosDocuments.ReadAsync<MerchantStats>(cosmos.Insights, MerchantStats.DocumentId, DemandCosmos.MerchantKey(merchantId), CancellationToken.None);
            if (stored is null || now - stored.BuiltAt > maxAge || stored.Users == 0 || Behind(stored, dataTime, maxAge))
            {
                stored = await RebuildAsync(merchantId, CancellationToken.None);
            }

            _cache[merchantId] = (stored, now);
            return stored;
        }
        finally
        {
            _inFlight.TryRemove(merchantId, out _);
        }
    }

    /// <summary>
    /// Rebuilds as of the merchant's data time and stores the result: one small projection finds the data time, then
    /// every feature document streams through the builder (one page in memory at a time).
    /// </summary>
    public async Task<MerchantStats> RebuildAsync(string merchantId, CancellationToken cancellationToken)
    {
        var builder = new MerchantStatsBuilder(merchantId, await DataTimeAsync(cosmos, merchantId, cancellationToken));
        await foreach (var user in StreamFeaturesAsync(cosmos, merchantId, cancellationToken))
        {
            builder.Add(user);
        }

        return await SaveAsync(merchantId, builder.Build(), cancellationToken);
    }

    /// <summary>The merchant's newest event time (<see cref="MerchantStats.DataTime"/>) from a projection of last-seen times, not the documents.</summary>
    public static async Task<long> DataTimeAsync(DemandCosmos cosmos, string merchantId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT c.merchantId, c.lastSeen FROM c WHERE c.merchantId = @m").WithParameter("@m", merchantId);
        var newest = 0L;
        using var feed = cosmos.Features.GetItemQueryIterator<LastSeenOnly>(query, requestOptions: MerchantScan);
        while (feed.HasMoreResults)
        {
            foreach (var row in await feed.ReadNextAsync(cancellationToken))
            {
                if (row.MerchantId == merchantId)
                {
                    newest = Math.Max(newest, row.LastSeen);
                }
            }
        }

        return newest;
    }

    private sealed record LastSeenOnly(string? MerchantId, long LastSeen);

    /// <summary>Rebuilds from feature documents the caller already read (the nightly run needs them anyway) and stores the result.</summary>
    public async Task<MerchantStats> RebuildAsync(string merchantId, IReadOnlyCollection<UserFeatures> users, long asOf, CancellationToken cancellationToken)
    {
        var stats = MerchantStats.Build(merchantId, users, asOf);
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
