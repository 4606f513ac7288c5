using System.Text.Json.Serialization;

namespace Demand.Core.Ingestion;

/// <summary>What happened to one log part: the <c>insights</c> document <c>ingestion.{partId}</c>.</summary>
public sealed class IngestionReport
{
    public const string DocumentType = "ingestionReport";

    /// <summary>Every line was read and accounted for (some may be rejected).</summary>
    public const string Ingested = "ingested";

    /// <summary>The content could not be read as a log (corrupt gzip, binary, a CSV header that does not fit): no state changed.</summary>
    public const string Unreadable = "unreadable";

    /// <summary>The part was refused before or while reading for a reason retrying cannot fix (too large, broken mapping): see <see cref="Error"/>.</summary>
    public const string Failed = "failed";

    /// <summary>The same content was already merged from another part (<see cref="DuplicateOf"/>): nothing merged again.</summary>
    public const string Duplicate = "duplicate";

    [JsonPropertyName("id")]
    public string Id => "ingestion." + ReportId;

    /// <summary>What the report is found by: the upload's id for parts sent through <c>POST …/uploads</c>, else the part id.</summary>
    public string ReportId => UploadId ?? PartId;

    /// <summary>The id <c>POST …/uploads</c> returned, when the part came through it.</summary>
    public string? UploadId { get; set; }

    /// <summary>Sorts reports newest first with one index: start time (UTC, fixed width) then the report id, so keys never tie.</summary>
    public string ListKey
    {
        get => StartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture) + "|" + ReportId;
    }

    /// <summary>What happened besides the counts, in a sentence (a skipped duplicate, a merged tail).</summary>
    public string? Note { get; set; }

    public required string MerchantId { get; init; }

    public string Type { get; init; } = DocumentType;

    /// <summary>Hash of merchant + blob name + content: the part's identity.</summary>
    public required string PartId { get; set; }

    public required string BlobName { get; init; }

    /// <summary><see cref="Ingested"/>, <see cref="Unreadable"/>, <see cref="Failed"/> or <see cref="Duplicate"/>.</summary>
    public string Status { get; set; } = Ingested;

    /// <summary>Why the part was not (fully) ingested, in words a merchant can act on.</summary>
    public string? Error { get; set; }

    public string Mapping { get; set; } = LogMapping.DefaultName;

    /// <summary>Version of the merchant's stored mapping that parsed the part; null for the built-in default layout.</summary>
    public int? MappingVersion { get; set; }

    /// <summary>Part id of an earlier part whose content this one repeats (whole: <see cref="Duplicate"/>; a prefix: <see cref="AlreadyMerged"/> lines).</summary>
    public string? DuplicateOf { get; set; }

    /// <summary>Leading records (header included) skipped because an earlier part (<see cref="DuplicateOf"/>) already merged exactly them.</summary>
    public long AlreadyMerged { get; set; }

    public string Format { get; set; } = "";

    public bool Compressed { get; set; }

    public long Bytes { get; set; }

    /// <summary>Records read (non-blank lines; a CSV record with quoted newlines counts once; the header does not count).</summary>
    public long LinesRead { get; set; }

    public long Accepted { get; set; }

    public long Rejected { get; set; }

    /// <summary>Lines repeating an event id (or, where the mapping asks, a whole line) earlier in this part.</summary>
    public long Duplicates { get; set; }

    /// <summary>
    /// Accepted events whose id the shopper's state had already counted (sent through the API, or in another part within
    /// the 30-day event-id window): part of <see cref="Accepted"/>, not counted again.
    /// </summary>
    public long CountedBefore { get; set; }

    public Dictionary<string, long> CountsByType { get; set; } = [];

    public Dictionary<string, long> RejectsByReason { get; set; } = [];

    /// <summary>The first few rejected rows per reason (at most <see cref="ExamplesPerReason"/>), so a merchant sees what to fix without opening the quarantine.</summary>
    public Dictionary<string, List<RejectSample>> RejectExamples { get; set; } = [];

    public const int ExamplesPerReason = 3;

    /// <summary>When the part's content was uploaded (the blob's last write); null when unknown (a part handed over in memory).</summary>
    public DateTimeOffset? UploadedAt { get; set; }

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

    public bool AccountingHolds => Accepted + Rejected + Duplicates + AlreadyMerged == LinesRead;
}

/// <summary>A rejected row as a report keeps it: its line, the reason's detail and a short excerpt of the raw row.</summary>
public sealed class RejectSample
{
    /// <summary>Excerpts are cut at this many characters: enough to see the fault, too short to carry a whole record.</summary>
    public const int MaxExcerpt = 100;

    public required long Line { get; init; }

    public string? Detail { get; init; }

    /// <summary>The raw row, cut at <see cref="MaxExcerpt"/> characters; null when it was not UTF-8 or belongs to an erased shopper.</summary>
    public string? Excerpt { get; init; }

    /// <summary>
    /// The erasure tombstone id (<see cref="Storage.Tombstones.Id"/>) of the row's shopper when the row named a valid one:
    /// readers hide the excerpt once that shopper is erased. A hash, never the user id.
    /// </summary>
    public string? Subject { get; init; }
}
