using System.Text.Json.Serialization;

namespace Demand.Core.Ingestion;

/// <summary>
/// The content fingerprint of a part whose rows were merged: the <c>insights</c> document <c>content.{partId}</c>.
/// Records are the part's non-blank lines after decompression (BOM and CR dropped, a CSV header included), so a
/// renamed, recompressed or line-ending-converted copy has the same fingerprint, and a copy with lines appended
/// starts with it (docs/log-format.md, "Re-uploads").
/// </summary>
public sealed class MergedContent
{
    public const string DocumentType = "mergedContent";

    [JsonPropertyName("id")]
    public string Id => "content." + PartId;

    public required string MerchantId { get; init; }

    public string Type { get; init; } = DocumentType;

    public required string PartId { get; init; }

    public required string BlobName { get; init; }

    /// <summary>Records hashed, a CSV header included.</summary>
    public required long Records { get; init; }

    /// <summary>SHA-256 (hex) of every record followed by LF.</summary>
    public required string Hash { get; init; }

    /// <summary>SHA-256 (hex) of the records up to the first data record: what a copy must start with to be compared at all.</summary>
    public required string Head { get; init; }

    public DateTimeOffset MergedAt { get; init; }
}
