using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;
using Demand.Core.Storage;
using Microsoft.Azure.Cosmos;

namespace Demand.Infrastructure.Cosmos;

public sealed class CosmosIngestionStore(DemandCosmos cosmos, TimeProvider? time = null) : IIngestionStore
{
    public async Task<LogMapping> GetMappingAsync(MerchantId merchantId, CancellationToken cancellationToken) =>
        (await GetStoredMappingAsync(merchantId, cancellationToken))?.Parse() ?? LogMapping.Default;

    public async Task<StoredMapping?> GetStoredMappingAsync(MerchantId merchantId, CancellationToken cancellationToken)
    {
        var doc = await ReadMappingAsync(merchantId, cancellationToken);
        return doc is null ? null : new StoredMapping(doc.Mapping.GetRawText(), Math.Max(1, doc.Version), doc.UpdatedAt);
    }

    public async Task<StoredMapping> SaveMappingAsync(MerchantId merchantId, LogMapping mapping, CancellationToken cancellationToken)
    {
        var json = JsonDocument.Parse(mapping.ToJson()).RootElement.Clone();
        var id = MappingDocument.IdFor(merchantId);
        var saved = await CosmosDocuments.UpdateAsync(
            cosmos.Merchants,
            id,
            new PartitionKey(id),
            () => new MappingDocument { Id = id, MerchantId = merchantId, Mapping = json },
            doc =>
            {
                doc.Version = doc.ETag is null ? 1 : Math.Max(1, doc.Version) + 1;
                doc.Mapping = json;
                doc.UpdatedAt = (time ?? TimeProvider.System).GetUtcNow();
                return true;
            },
            doc => doc.ETag,
            cancellationToken);
        return new StoredMapping(saved.Mapping.GetRawText(), saved.Version, saved.UpdatedAt);
    }

    public async Task<bool> IsErasedAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken) =>
        await CosmosDocuments.ReadAsync<IdOnly>(cosmos.Insights, Tombstones.Id(merchantId, userId), DemandCosmos.MerchantKey(merchantId), cancellationToken) is not null;

    public Task<bool> DeleteMappingAsync(MerchantId merchantId, CancellationToken cancellationToken) =>
        CosmosDocuments.DeleteAsync(cosmos.Merchants, MappingDocument.IdFor(merchantId), new PartitionKey(MappingDocument.IdFor(merchantId)), cancellationToken);

    public async Task<IReadOnlySet<string>> GetTombstonesAsync(MerchantId merchantId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT c.id FROM c WHERE c.merchantId = @m AND c.type = @t")
            .WithParameter("@m", merchantId)
            .WithParameter("@t", Tombstones.DocumentType);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        using var feed = cosmos.Insights.GetItemQueryIterator<IdOnly>(query, requestOptions: new QueryRequestOptions { PartitionKey = DemandCosmos.MerchantKey(merchantId) });
        while (feed.HasMoreResults)
        {
            foreach (var item in await feed.ReadNextAsync(cancellationToken))
            {
                ids.Add(item.Id);
            }
        }

        return ids;
    }

    public Task SaveReportAsync(IngestionReport report, CancellationToken cancellationToken) =>
        cosmos.Insights.UpsertItemAsync(report, DemandCosmos.MerchantKey(report.MerchantId), cancellationToken: cancellationToken);

    public Task<IngestionReport?> GetReportAsync(MerchantId merchantId, string reportId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<IngestionReport>(cosmos.Insights, "ingestion." + reportId, DemandCosmos.MerchantKey(merchantId), cancellationToken);

    public async Task<ReportPage> ListReportsAsync(MerchantId merchantId, DateTimeOffset? since, string? after, int limit, CancellationToken cancellationToken)
    {
        // Keyset paging on one sortable string (start time + report id), so pages never skip or repeat. The keys in range
        // are read (small projections) and sorted here rather than with ORDER BY, which cosmosdb-server cannot serve to
        // the SDK; `since` bounds the read. The page's reports are then point reads.
        var floor = since?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture) ?? "";
        var query = new QueryDefinition("SELECT c.listKey, c.merchantId FROM c WHERE c.merchantId = @m AND c.type = @t AND c.listKey >= @since" + (after is null ? "" : " AND c.listKey < @after"))
            .WithParameter("@m", merchantId)
            .WithParameter("@t", IngestionReport.DocumentType)
            .WithParameter("@since", floor);
        if (after is not null)
        {
            query = query.WithParameter("@after", after);
        }

        var keys = new List<string>();
        using (var feed = cosmos.Insights.GetItemQueryIterator<ListKeyOnly>(query, requestOptions: new QueryRequestOptions { PartitionKey = DemandCosmos.MerchantKey(merchantId) }))
        {
            while (feed.HasMoreResults)
            {
                keys.AddRange((await feed.ReadNextAsync(cancellationToken)).Where(k => k.MerchantId == merchantId && k.ListKey is not null).Select(k => k.ListKey!));
            }
        }

        keys.Sort(StringComparer.Ordinal);
        keys.Reverse();
        var page = keys.Take(limit).ToList();
        var reports = await Task.WhenAll(page.Select(k => GetReportAsync(merchantId, k[(k.IndexOf('|', StringComparison.Ordinal) + 1)..], cancellationToken)));
        return new ReportPage([.. reports.OfType<IngestionReport>().Where(r => r.MerchantId == merchantId)], keys.Count > limit ? page[^1] : null);
    }

    public async Task<IReadOnlyList<MergedContent>> GetMergedContentAsync(MerchantId merchantId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m AND c.type = @t")
            .WithParameter("@m", merchantId)
            .WithParameter("@t", MergedContent.DocumentType);
        var known = new List<MergedContent>();
        using var feed = cosmos.Insights.GetItemQueryIterator<MergedContent>(query, requestOptions: new QueryRequestOptions { PartitionKey = DemandCosmos.MerchantKey(merchantId) });
        while (feed.HasMoreResults)
        {
            known.AddRange((await feed.ReadNextAsync(cancellationToken)).Where(c => c.MerchantId == merchantId));
        }

        return known;
    }

    public Task SaveMergedContentAsync(MergedContent content, CancellationToken cancellationToken) =>
        cosmos.Insights.UpsertItemAsync(content, DemandCosmos.MerchantKey(content.MerchantId), cancellationToken: cancellationToken);

    private Task<MappingDocument?> ReadMappingAsync(MerchantId merchantId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<MappingDocument>(cosmos.Merchants, MappingDocument.IdFor(merchantId), new PartitionKey(MappingDocument.IdFor(merchantId)), cancellationToken);

    private sealed record IdOnly(string Id);

    private sealed record ListKeyOnly(string? ListKey, string? MerchantId);

    private sealed class MappingDocument
    {
        [JsonPropertyName("id")]
        public required string Id { get; init; }

        public required string MerchantId { get; init; }

        public required JsonElement Mapping { get; set; }

        /// <summary>1 for the first registration; documents written before versions existed read as 1.</summary>
        public int Version { get; set; }

        public DateTimeOffset UpdatedAt { get; set; }

        [JsonPropertyName("_etag")]
        public string? ETag { get; set; }

        public static string IdFor(MerchantId merchantId) => "mapping." + merchantId;
    }
}
