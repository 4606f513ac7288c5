using Demand.Core.Ingestion;

namespace Demand.Core.Storage;

/// <summary>What ingestion reads and writes besides features: mappings, tombstones, reports.</summary>
public interface IIngestionStore
{
    /// <summary>The merchant's log mapping (document <c>mapping.{merchantId}</c> in <c>merchants</c>), or the default preset.</summary>
    Task<LogMapping> GetMappingAsync(string merchantId, CancellationToken cancellationToken);

    Task SaveMappingAsync(string merchantId, LogMapping mapping, CancellationToken cancellationToken);

    /// <summary>Ids of the merchant's erasure tombstones (<see cref="Tombstones"/>).</summary>
    Task<IReadOnlySet<string>> GetTombstonesAsync(string merchantId, CancellationToken cancellationToken);

    Task SaveReportAsync(IngestionReport report, CancellationToken cancellationToken);

    Task<IngestionReport?> GetReportAsync(string merchantId, string partId, CancellationToken cancellationToken);

    /// <summary>The merchant's reports of parts finished at or after <paramref name="since"/>, newest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<IngestionReport>> ListReportsAsync(string merchantId, DateTimeOffset since, int max, CancellationToken cancellationToken);
}
