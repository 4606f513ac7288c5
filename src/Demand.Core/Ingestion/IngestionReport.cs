using System.Text.Json.Serialization;

namespace Demand.Core.Ingestion;

/// <summary>
/// The <c>insights</c> document (partition merchantId, id <c>ingestion.{partId}</c>) describing one ingested
/// part: line accounting, rejects by reason, users touched, event time range, speed. Shape in docs/log-format.md.
/// </summary>
public sealed class IngestionReport
{
    public const string DocumentType = "ingestion";

    [JsonPropertyName("id")]
    public required string Id { get; init; }

    public string Type { get; init; } = DocumentType;

    public required string MerchantId { get; init; }

    public required string PartId { get; init; }

    /// <summary>Blob name under <c>logs/{merchantId}/</c>.</summary>
    public required string Name { get; init; }

    /// <summary>SHA-256 of the blob bytes, lowercase hex.</summary>
    public required string ContentHash { get; init; }

    public required long SizeBytes { get; init; }

    /// <summary>"ingested", or "unreadable" (no state changed; see <see cref="Error"/>).</summary>
    public required string Status { get; init; }

    /// <summary>Why the part could not be read (corrupt_gzip, binary_content, missing_columns, invalid_mapping).</summary>
    public string? Error { get; init; }

    public string? ErrorDetail { get; init; }

    public string? Format { get; init; }

    public bool Gzip { get; init; }

    /// <summary>The mapping used: a preset name, or "merchant" for the merchant's stored mapping.</summary>
    public required string Mapping { get; init; }

    public long LinesRead { get; init; }

    public long Accepted { get; init; }

    public long Rejected { get; init; }

    public long Duplicates { get; init; }

    public long BlankLines { get; init; }

    public long HeaderLines { get; init; }

    public Dictionary<string, long> AcceptedByType { get; init; } = [];

    public Dictionary<string, long> RejectsByReason { get; init; } = [];

    public int UsersTouched { get; init; }

    public int UsersMerged { get; init; }

    public int UsersAlreadyMerged { get; init; }

    /// <summary>Users skipped because they were erased (a tombstone exists).</summary>
    public int UsersSuppressed { get; init; }

    public int ReviewsToMine { get; init; }

    public int ScoreMessages { get; init; }

    public int MineMessages { get; init; }

    public DateTimeOffset? FirstEventAt { get; init; }

    public DateTimeOffset? LastEventAt { get; init; }

    public required DateTimeOffset IngestedAt { get; init; }

    public double ParseMilliseconds { get; init; }

    public double TotalMilliseconds { get; init; }

    public double EventsPerSecond { get; init; }

    [JsonPropertyName("_etag")]
    public string? ETag { get; set; }

    public static string IdFor(string partId) => "ingestion." + partId;
}
