using Demand.Core.Ingestion;
using Demand.Core.Profiles;

namespace Demand.Functions.Profiles;

/// <summary>Wire DTOs of the HTTP API (never the storage documents themselves).</summary>
public sealed record ProfileResponse(string UserId, DateTimeOffset UpdatedAt, string? ModelVersion, IReadOnlyList<CategoryDemand> Categories, IReadOnlyList<NeedResponse> Needs)
{
    public static ProfileResponse From(ProfileDocument p) => new(
        p.UserId,
        p.UpdatedAt,
        p.ModelVersion,
        p.Categories.Select(c => new CategoryDemand(c.CategoryId, c.Propensity, c.ExpectedNextPurchase, c.Reasons.Select(r => new ReasonResponse(r.Signal, r.Weight)).ToList())).ToList(),
        p.Needs.Select(NeedResponse.From).ToList());
}

public sealed record CategoryDemand(string CategoryId, double Propensity, DateOnly? ExpectedNextPurchase, IReadOnlyList<ReasonResponse> Reasons);

public sealed record ReasonResponse(string Signal, double Weight);

public sealed record NeedResponse(string Need, string Aspect, string Polarity, int Severity, string? ProductId, string? CategoryId, IReadOnlyList<EvidenceResponse> Evidence, bool Provisional)
{
    public static NeedResponse From(UserNeed n) =>
        new(n.Need, n.Aspect, n.Polarity, n.Severity, n.ProductId, n.CategoryId, n.Evidence.Select(e => new EvidenceResponse(e.ReviewId, e.Text)).ToList(), n.Provisional);
}

public sealed record EvidenceResponse(string ReviewId, string Text);

/// <summary>What to act on for a shopper: the top categories and the unmet needs, strongest first.</summary>
public sealed record RecommendationsResponse(string UserId, IReadOnlyList<CategoryDemand> Categories, IReadOnlyList<NeedResponse> Needs);

/// <summary>
/// An ingestion report. <c>id</c> is what the report is found by (the upload id for parts sent through
/// <c>POST …/uploads</c>, else the part id); <c>partId</c> is the content identity that exactly-once merges use.
/// <c>rejectExamples</c> holds the first rows rejected for each reason (at most 3); <c>uploadedAt</c> is when the part's
/// content was uploaded (null when unknown), so <c>finishedAt − uploadedAt</c> is the upload-to-profile lag.
/// </summary>
public sealed record IngestionResponse(
    string Id, string PartId, string BlobName, string Status, string? Error, string? Note, string Mapping, int? MappingVersion, long Bytes,
    long LinesRead, long Accepted, long Rejected, long Duplicates, long CountedBefore, long AlreadyMerged, string? DuplicateOf,
    IReadOnlyDictionary<string, long> CountsByType, IReadOnlyDictionary<string, long> RejectsByReason, int UsersTouched, int Reviews,
    DateTimeOffset? FirstEventAt, DateTimeOffset? LastEventAt, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, double EventsPerSecond,
    IReadOnlyDictionary<string, IReadOnlyList<RejectExampleResponse>> RejectExamples, DateTimeOffset? UploadedAt)
{
    /// <param name="erased">The merchant's erasure tombstones: an example row of a shopper erased since keeps its line and reason only.</param>
    public static IngestionResponse From(IngestionReport r, IReadOnlySet<string> erased) => new(
        r.ReportId, r.PartId, r.BlobName, r.Status, r.Error, r.Note, r.Mapping, r.MappingVersion, r.Bytes,
        r.LinesRead, r.Accepted, r.Rejected, r.Duplicates, r.CountedBefore, r.AlreadyMerged, r.DuplicateOf, r.CountsByType, r.RejectsByReason,
        r.UsersTouched, r.Reviews, r.FirstEventAt, r.LastEventAt, r.StartedAt, r.FinishedAt, Math.Round(r.EventsPerSecond),
        r.RejectExamples.ToDictionary(
            kv => kv.Key,
            kv => (IReadOnlyList<RejectExampleResponse>)[.. kv.Value.Select(e => new RejectExampleResponse(e.Line, e.Detail, e.Subject is { } s && erased.Contains(s) ? null : e.Excerpt))]),
        r.UploadedAt);

    /// <summary>Whether reading <paramref name="reports"/> needs the merchant's tombstones (some example names a shopper).</summary>
    public static bool NeedsTombstones(IEnumerable<IngestionReport> reports) =>
        reports.Any(r => r.RejectExamples.Values.Any(list => list.Any(e => e.Subject is not null && e.Excerpt is not null)));
}

/// <summary>A rejected row: its line number, the reason's detail and the row cut at 100 characters (null: not UTF-8, or the shopper was erased).</summary>
public sealed record RejectExampleResponse(long Line, string? Detail, string? Excerpt);

/// <summary>
/// One page of ingestion reports, newest first; pass <c>continuation</c> back for the next (null: no more). The first
/// page carries the queues' <c>backlog</c>; later pages leave it null.
/// </summary>
public sealed record IngestionListResponse(IReadOnlyList<IngestionResponse> Ingestions, QueueBacklog? Backlog, string? Continuation);

/// <summary>Messages waiting (null: unknown).</summary>
public sealed record QueueBacklog(int? Score, int? Mine);

public sealed record ErasureResponse(string UserId, bool Existed, string Detail);

public sealed record HealthResponse(string Status);
