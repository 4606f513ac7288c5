using System.Text.Json.Serialization;

namespace Demand.Core.Ingestion;

/// <summary>What happened to one log part: the <c>insights</c> document <c>ingestion.{partId}</c>.</summary>
public sealed class IngestionReport
{
    public const string DocumentType = "ingestionReport";

    [JsonPropertyName("id")]
    public string Id => "ingestion." + PartId;

    public required string MerchantId { get; init; }

    public string Type { get; init; } = DocumentType;

    /// <summary>Hash of merchant + blob name + content: the part's identity.</summary>
    public required string PartId { get; set; }

    public required string BlobName { get; init; }

    /// <summary><c>ingested</c>, or <c>unreadable</c> when nothing could be read (no state changed).</summary>
    public string Status { get; set; } = "ingested";

    public string? Error { get; set; }

    public string Mapping { get; set; } = LogMapping.DefaultName;

    public string Format { get; set; } = "";

    public bool Compressed { get; set; }

    public long Bytes { get; set; }

    /// <summary>Records read (non-blank lines; a CSV record with quoted newlines counts once; the header does not count).</summary>
    public long LinesRead { get; set; }

    public long Accepted { get; set; }

    public long Rejected { get; set; }

    public long Duplicates { get; set; }

    public Dictionary<string, long> CountsByType { get; set; } = [];

    public Dictionary<string, long> RejectsByReason { get; set; } = [];

    public int UsersTouched { get; set; }

    public int UsersMerged { get; set; }

    public int UsersAlreadyMerged { get; set; }

    public int Reviews { get; set; }

    public DateTimeOffset? FirstEventAt { get; set; }

    public DateTimeOffset? LastEventAt { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset FinishedAt { get; set; }

    public double ParseMilliseconds { get; set; }

    public double TotalMilliseconds { get; set; }

    public double EventsPerSecond { get; set; }

    public int ScoreMessages { get; set; }

    public int MineMessages { get; set; }

    public bool AccountingHolds => Accepted + Rejected + Duplicates == LinesRead;
}
