using System.Net;
using Demand.Core.Insights;
using Demand.Core.Profiles;
using Microsoft.Azure.Cosmos;

namespace Demand.Infrastructure.Cosmos;

/// <summary>Segments, forecasts, the nightly lease and the list of merchants.</summary>
public sealed class CosmosInsightsStore(DemandCosmos cosmos, TimeProvider time)
{
    private const string SystemPartition = "_system";
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

    public async Task<List<ProfileDocument>> ProfilesAsync(string merchantId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m").WithParameter("@m", merchantId);
        var profiles = new List<ProfileDocument>();
        using var feed = cosmos.Profiles.GetItemQueryIterator<ProfileDocument>(query, requestOptions: new QueryRequestOptions { EnableOptimisticDirectExecution = true });
        while (feed.HasMoreResults)
        {
            profiles.AddRange((await feed.ReadNextAsync(cancellationToken)).Where(p => p.MerchantId == merchantId));
        }

        return profiles;
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
        CosmosDocuments.ReadAsync<SegmentPage>(cosmos.Insights, SegmentPage.IdFor(categoryId, page), DemandCosmos.MerchantKey(merchantId), cancellationToken);

    private sealed record IdOnly(string Id);
}
