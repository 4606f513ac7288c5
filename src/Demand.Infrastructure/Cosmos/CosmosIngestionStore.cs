using System.Text.Json;
using Demand.Core.Ingestion;
using Demand.Core.Storage;
using Microsoft.Azure.Cosmos;

namespace Demand.Infrastructure.Cosmos;

public sealed class CosmosIngestionStore(DemandCosmos cosmos) : IIngestionStore
{
    public async Task<LogMapping> GetMappingAsync(string merchantId, CancellationToken cancellationToken)
    {
        var doc = await CosmosDocuments.ReadAsync<MappingDocument>(cosmos.Merchants, MappingDocument.IdFor(merchantId), new PartitionKey(MappingDocument.IdFor(merchantId)), cancellationToken);
        return doc is null ? LogMapping.Default : LogMapping.Parse(doc.Mapping.GetRawText());
    }

    public async Task SaveMappingAsync(string merchantId, LogMapping mapping, CancellationToken cancellationToken)
    {
        var doc = new MappingDocument { Id = MappingDocument.IdFor(merchantId), MerchantId = merchantId, Mapping = JsonSerializer.SerializeToElement(JsonDocument.Parse(mapping.ToJson()).RootElement) };
        await cosmos.Merchants.UpsertItemAsync(doc, new PartitionKey(doc.Id), cancellationToken: cancellationToken);
    }

    public async Task<IReadOnlySet<string>> GetTombstonesAsync(string merchantId, CancellationToken cancellationToken)
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

    public Task<IngestionReport?> GetReportAsync(string merchantId, string partId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<IngestionReport>(cosmos.Insights, "ingestion." + partId, DemandCosmos.MerchantKey(merchantId), cancellationToken);

    public async Task<IReadOnlyList<IngestionReport>> ListReportsAsync(string merchantId, DateTimeOffset since, int max, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.merchantId = @m AND c.type = @t")
            .WithParameter("@m", merchantId)
            .WithParameter("@t", IngestionReport.DocumentType);
        var reports = new List<IngestionReport>();
        using var feed = cosmos.Insights.GetItemQueryIterator<IngestionReport>(query, requestOptions: new QueryRequestOptions { PartitionKey = DemandCosmos.MerchantKey(merchantId), MaxItemCount = 100_000 });
        while (feed.HasMoreResults)
        {
            reports.AddRange((await feed.ReadNextAsync(cancellationToken)).Where(r => r.MerchantId == merchantId && r.FinishedAt >= since));
        }

        return [.. reports.OrderByDescending(r => r.FinishedAt).ThenBy(r => r.PartId, StringComparer.Ordinal).Take(max)];
    }

    private sealed record IdOnly(string Id);

    private sealed class MappingDocument
    {
        [System.Text.Json.Serialization.JsonPropertyName("id")]
        public required string Id { get; init; }

        public required string MerchantId { get; init; }

        public required JsonElement Mapping { get; init; }

        public static string IdFor(string merchantId) => "mapping." + merchantId;
    }
}
