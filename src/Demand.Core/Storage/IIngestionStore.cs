using Demand.Core.Identifiers;
using Demand.Core.Ingestion;

namespace Demand.Core.Storage;

/// <summary>What ingestion reads and writes besides features: mappings, tombstones, reports, fingerprints of merged content.</summary>
public interface IIngestionStore
{
    /// <summary>The merchant's log mapping (document <c>mapping.{merchantId}</c> in <c>merchants</c>), or the default preset.</summary>
    /// <exception cref="InvalidDataException">The stored mapping does not validate.</exception>
    Task<LogMapping> GetMappingAsync(MerchantId merchantId, CancellationToken cancellationToken);

    /// <summary>The registered mapping as stored (even when it no longer validates), or null when the merchant uses the default layout.</summary>
    Task<StoredMapping?> GetStoredMappingAsync(MerchantId merchantId, CancellationToken cancellationToken);

    /// <summary>Registers <paramref name="mapping"/> as the merchant's next version.</summary>
    Task<StoredMapping> SaveMappingAsync(MerchantId merchantId, LogMapping mapping, CancellationToken cancellationToken);

    /// <summary>Removes the registration (back to the default layout); false when there was none.</summary>
    Task<bool> DeleteMappingAsync(MerchantId merchantId, CancellationToken cancellationToken);

    /// <summary>Whether the shopper was erased: one point read of their tombstone (real-time events, which touch few shoppers).</summary>
    Task<bool> IsErasedAsync(MerchantId merchantId, UserId userId, CancellationToken cancellationToken);

    /// <summary>Ids of the merchant's erasure tombstones (<see cref="Tombstones"/>); for log parts, which touch many shoppers.</summary>
    Task<IReadOnlySet<string>> GetTombstonesAsync(MerchantId merchantId, CancellationToken cancellationToken);

    Task SaveReportAsync(IngestionReport report, CancellationToken cancellationToken);

    /// <summary>The report found by <paramref name="reportId"/> (<see cref="IngestionReport.ReportId"/>).</summary>
    Task<IngestionReport?> GetReportAsync(MerchantId merchantId, string reportId, CancellationToken cancellationToken);

    /// <summary>The merchant's reports started at or after <paramref name="since"/>, newest first, <paramref name="limit"/> at a time.</summary>
    Task<ReportPage> ListReportsAsync(MerchantId merchantId, DateTimeOffset? since, string? after, int limit, CancellationToken cancellationToken);

    /// <summary>Fingerprints of the merchant's merged parts.</summary>
    Task<IReadOnlyList<MergedContent>> GetMergedContentAsync(MerchantId merchantId, CancellationToken cancellationToken);

    Task SaveMergedContentAsync(MergedContent content, CancellationToken cancellationToken);
}
