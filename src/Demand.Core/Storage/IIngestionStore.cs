using Demand.Core.Identifiers;
using Demand.Core.Ingestion;

namespace Demand.Core.Storage;

/// <summary>What ingestion reads and writes besides features: mappings, tombstones, reports.</summary>
public interface IIngestionStore
{
    /// <summary>The merchant's log mapping (document <c>mapping.{merchantId}</c> in <c>merchants</c>), or the default preset.</summary>
    Task<LogMapping> GetMappingAsync(MerchantId merchantId, CancellationToken cancellationToken);

    Task SaveMappingAsync(MerchantId merchantId, LogMapping mapping, CancellationToken cancellationToken);

    /// <summary>Ids of the merchant's erasure tombstones (<see cref="Tombstones"/>).</summary>
    Task<IReadOnlySet<string>> GetTombstonesAsync(MerchantId merchantId, CancellationToken cancellationToken);

    Task SaveReportAsync(IngestionReport report, CancellationToken cancellationToken);

    Task<IngestionReport?> GetReportAsync(MerchantId merchantId, string partId, CancellationToken cancellationToken);
}
