using Demand.Core.Identifiers;
using System.Net;
using System.Runtime.CompilerServices;
using Demand.Core.Insights;
using Demand.Core.Profiles;
using Microsoft.Azure.Cosmos;

namespace Demand.Infrastructure.Cosmos;

/// <summary>Segments, forecasts, the nightly lease and checkpoints, and the list of merchants.</summary>
public sealed class CosmosInsightsStore(DemandCosmos cosmos, TimeProvider time)
{
    /// <summary>Partition of documents that belong to no merchant (not a valid merchant id: ids cannot start with '_').</summary>
    public const string SystemPartition = "_system";
    private const string LeaseId = "nightly.lease";

    private sealed class Lease
    {
        [System.Text.Json.Serialization.JsonPropertyName("id")]
        public string Id { get; init; } = LeaseId;

        public string MerchantId { get; init; } = SystemPartition;

        public required string Holder { get; set; }

        public required DateTimeOffset ExpiresAt { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("_etag")]
        public string? ETag { get; set; }
    }

    /// <summary>Takes the nightly lease unless another live run holds it (a timer firing during a run starts nothing).</summary>
    public async Task<bool> TryAcquireLeaseAsync(string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        var key = DemandCosmos.MerchantKey(SystemPartition);
        var now = time.GetUtcNow();
        var current = await CosmosDocuments.ReadAsync<Lease>(cosmos.Insights, LeaseId, key, cancellationToken);
        try
        {
            if (current is null)
            {
                await cosmos.Insights.CreateItemAsync(new Lease { Holder = holder, ExpiresAt = now + duration }, key, cancellationToken: cancellationToken);
                return true;
            }

            if (current.ExpiresAt > now && current.Holder != holder)
            {
                return false;
            }

            current.Holder = holder;
            current.ExpiresAt = now + duration;
            await cosmos.Insights.ReplaceItemAsync(current, LeaseId, key, new ItemRequestOptions { IfMatchEtag = current.ETag }, cancellationToken);
            return true;
        }
        catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.PreconditionFailed)
        {
            return false;
        }
    }

    public Task ReleaseLeaseAsync(CancellationToken cancellationToken) =>
        CosmosDocuments.DeleteAsync(cosmos.Insights, LeaseId, DemandCosmos.MerchantKey(SystemPartition), cancellationToken);

    /// <summary>Releases the lease only if <paramref name="holder"/> still holds it (an expired lease may have been taken over).</summary>
    public async Task ReleaseLeaseAsync(string holder, CancellationToken cancellationToken)
    {
        var key = DemandCosmos.MerchantKey(SystemPartition);
        var current = await CosmosDocuments.ReadAsync<Lease>(cosmos.Insights, LeaseId, key, cancellationToken);
        if (current?.Holder != holder)
        {
            return;
        }

        try
        {
            await cosmos.Insights.DeleteItemAsync<Lease>(LeaseId, key, new ItemRequestOptions { IfMatchEtag = current.ETag }, cancellationToken);
        }
        catch (CosmosException ex) when (ex.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.PreconditionFailed)
        {
            // Taken over after expiry, or already gone: nothing of ours to release.
        }
    }

    /// <summary>The night's run document, created on the first start; later starts get the stored one (and its as-of).</summary>
    public Task<NightlyRun> StartNightAsync(string night, DateTimeOffset asOf, CancellationToken cancellationToken) =>
        CosmosDocuments.UpdateAsync(
            cosmos.Insights,
            NightlyRun.IdFor(night),
            DemandCosmos.MerchantKey(SystemPartition),
            () => new NightlyRun { MerchantId = SystemPartition, Night = night, AsOf = asOf },
            run =>
            {
                run.Dispatches++;
                return true;
            },
            run => run.ETag,
            cancellationToken);

    public Task<NightlyRun?> NightAsync(string night, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<NightlyRun>(cosmos.Insights, NightlyRun.IdFor(night), DemandCosmos.MerchantKey(SystemPartition), cancellationToken);

    public Task<NightlyMerchantProgress?> ProgressAsync(string merchantId, string night, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<NightlyMerchantProgress>(cosmos.Insights, NightlyRun.IdFor(night), DemandCosmos.MerchantKey(merchantId), cancellationToken);

    /// <summary>
    /// Read-modify-write of a merchant's progress for the night (created on first use). <paramref name="mutate"/> may
    /// run several times (412) and returns false to leave the document as it is.
    /// </summary>
    public Task<NightlyMerchantProgress> UpdateProgressAsync(string merchantId, string night, Func<NightlyMerchantProgress, bool> mutate, CancellationToken cancellationToken) =>
        CosmosDocuments.UpdateAsync(
            cosmos.Insights,
            NightlyRun.IdFor(night),
            DemandCosmos.MerchantKey(merchantId),
            () => new NightlyMerchantProgress { MerchantId = merchantId, Night = night },
            mutate,
            p => p.ETag,
            cancellationToken);

    /// <summary>Merchants known to Demand: those with API keys or a log mapping.</summary>
    public async Task<List<string>> MerchantIdsAsync(CancellationToken cancellationToken)
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        using var feed = cosmos.Merchants.GetItemQueryIterator<IdOnly>(queryText: null);
        while (feed.HasMoreResults)
        {
            foreach (var item in await feed.ReadNextAsync(cancellationToken))
            {
                ids.Add(item.Id.StartsWith("mapping.", StringComparison.Ordinal) ? item.Id["mapping.".Length..] : item.Id);
            }
        }

        return ids.ToList();
    }

    /// <summary>The merchant's profiles, one query page at a time (a merchant scan never holds them all).</summary>
    public async IAsyncEnumerable<ProfileDocument> ProfilesAsync(string merchantId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m").WithParameter("@m", merchantId);
        using var feed = cosmos.Profiles.GetItemQueryIterator<ProfileDocument>(query, requestOptions: Scoring.MerchantStatsProvider.MerchantScan);
        while (feed.HasMoreResults)
        {
            foreach (var profile in await feed.ReadNextAsync(cancellationToken))
            {
                if (profile.MerchantId == merchantId)
                {
                    yield return profile;
                }
            }
        }
    }

    /// <summary>Products of the merchant with mined review needs (what product need summaries are built from).</summary>
    public async Task<List<string>> ReviewedProductIdsAsync(string merchantId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT c.merchantId, c.productId FROM c WHERE c.merchantId = @m").WithParameter("@m", merchantId);
        var products = new SortedSet<string>(StringComparer.Ordinal);
        using var feed = cosmos.ReviewNeeds.GetItemQueryIterator<ProductRef>(query, requestOptions: Scoring.MerchantStatsProvider.MerchantScan);
        while (feed.HasMoreResults)
        {
            foreach (var item in await feed.ReadNextAsync(cancellationToken))
            {
                if (item.MerchantId == merchantId && item.ProductId is not null)
                {
                    products.Add(item.ProductId);
                }
            }
        }

        return products.ToList();
    }

    public async Task SaveInsightsAsync(string merchantId, IReadOnlyList<SegmentPage> pages, DemandForecast forecast, CancellationToken cancellationToken)
    {
        var key = DemandCosmos.MerchantKey(merchantId);
        foreach (var page in pages)
        {
            await cosmos.Insights.UpsertItemAsync(page, key, cancellationToken: cancellationToken);
        }

        await cosmos.Insights.UpsertItemAsync(forecast, key, cancellationToken: cancellationToken);
    }

    public Task<DemandForecast?> ForecastAsync(string merchantId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<DemandForecast>(cosmos.Insights, DemandForecast.DocumentId, DemandCosmos.MerchantKey(merchantId), cancellationToken);

    public Task<SegmentPage?> SegmentPageAsync(string merchantId, string categoryId, int page, CancellationToken cancellationToken) =>
        !CatalogueId.IsValid(categoryId) ? Task.FromResult<SegmentPage?>(null) : CosmosDocuments.ReadAsync<SegmentPage>(cosmos.Insights, SegmentPage.IdFor(categoryId, page), DemandCosmos.MerchantKey(merchantId), cancellationToken);

    private sealed record IdOnly(string Id);

    private sealed record ProductRef(string MerchantId, string? ProductId);
}
