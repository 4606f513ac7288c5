using System.Text.Json.Serialization;
using Demand.Core.Ingestion;
using Demand.Core.Storage;
using Microsoft.Azure.Cosmos;

namespace Demand.Infrastructure.Cosmos;

/// <summary>
/// Ingestion's Cosmos documents: the merchant's log mapping (<c>merchants</c>, id <c>mapping.{merchantId}</c>),
/// erasure tombstones (read only) and ingestion reports (<c>insights</c>, id <c>ingestion.{partId}</c>).
/// </summary>
public sealed class CosmosIngestionStore(DemandCosmos cosmos) : IIngestionStore
{
    public static string MappingId(string merchantId) => "mapping." + merchantId;

    public async Task<LogMapping?> GetMappingAsync(string merchantId, CancellationToken cancellationToken)
    {
        var id = MappingId(merchantId);
        var document = await CosmosDocuments.ReadAsync<MappingDocument>(cosmos.Merchants, id, new PartitionKey(id), cancellationToken);
        return document?.Mapping;
    }

    public Task SaveMappingAsync(string merchantId, LogMapping mapping, CancellationToken cancellationToken)
    {
        var id = MappingId(merchantId);
        var document = new MappingDocument { Id = id, MerchantId = merchantId, Mapping = mapping, UpdatedAt = DateTimeOffset.UtcNow };
        return cosmos.Merchants.UpsertItemAsync(document, new PartitionKey(id), cancellationToken: cancellationToken);
    }

    public async Task<IReadOnlySet<string>> GetTombstoneIdsAsync(string merchantId, CancellationToken cancellationToken)
    {
        var query = new QueryDefinition("SELECT c.id FROM c WHERE c.merchantId = @m AND c.type = @t")
            .WithParameter("@m", merchantId)
            .WithParameter("@t", Tombstones.DocumentType);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        using var iterator = cosmos.Insights.GetItemQueryIterator<IdOnly>(query, requestOptions: new QueryRequestOptions
        {
            PartitionKey = DemandCosmos.MerchantKey(merchantId),
            EnableOptimisticDirectExecution = true,
        });
        while (iterator.HasMoreResults)
        {
            foreach (var item in await iterator.ReadNextAsync(cancellationToken))
            {
                ids.Add(item.Id);
            }
        }

        return ids;
    }

    public Task SaveReportAsync(IngestionReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        report.ETag = null;
        return cosmos.Insights.UpsertItemAsync(report, DemandCosmos.MerchantKey(report.MerchantId), cancellationToken: cancellationToken);
    }

    public Task<IngestionReport?> GetReportAsync(string merchantId, string partId, CancellationToken cancellationToken) =>
        CosmosDocuments.ReadAsync<IngestionReport>(cosmos.Insights, IngestionReport.IdFor(partId), DemandCosmos.MerchantKey(merchantId), cancellationToken);

    /// <summary>The stored mapping document; the merchant's settings document (id = merchantId) belongs to the API.</summary>
    private sealed class MappingDocument
    {
        [JsonPropertyName("id")]
        public required string Id { get; init; }

        public string Type { get; init; } = "mapping";

        public required string MerchantId { get; init; }

        public required LogMapping Mapping { get; init; }

        public DateTimeOffset UpdatedAt { get; init; }
    }

    private sealed class IdOnly
    {
        [JsonPropertyName("id")]
        public required string Id { get; init; }
    }
}
