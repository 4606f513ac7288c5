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
/// </summary>
public sealed record IngestionResponse(
    string Id, string PartId, string BlobName, string Status, string? Error, string? Note, string Mapping, int? MappingVersion, long Bytes,
    long LinesRead, long Accepted, long Rejected, long Duplicates, long CountedBefore, long AlreadyMerged, string? DuplicateOf,
    IReadOnlyDictionary<string, long> CountsByType, IReadOnlyDictionary<string, long> RejectsByReason, int UsersTouched, int Reviews,
    DateTimeOffset? FirstEventAt, DateTimeOffset? LastEventAt, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, double EventsPerSecond)
{
    public static IngestionResponse From(IngestionReport r) => new(
        r.ReportId, r.PartId, r.BlobName, r.Status, r.Error, r.Note, r.Mapping, r.MappingVersion, r.Bytes,
        r.LinesRead, r.Accepted, r.Rejected, r.Duplicates, r.CountedBefore, r.AlreadyMerged, r.DuplicateOf, r.CountsByType, r.RejectsByReason,
        r.UsersTouched, r.Reviews, r.FirstEventAt, r.LastEventAt, r.StartedAt, r.FinishedAt, Math.Round(r.EventsPerSecond));
}

/// <summary>
/// Ingestion reports, newest first. With <c>?days=</c> (the default form): the last days' reports and the queues'
/// backlog. With <c>?since=&amp;limit=&amp;continuation=</c>: one page; pass <c>continuation</c> back for the next (null: no more).
/// </summary>
public sealed record IngestionListResponse(int? Days, IReadOnlyList<IngestionResponse> Ingestions, QueueBacklog? Backlog, string? Continuation = null);

/// <summary>Messages waiting (null: unknown).</summary>
public sealed record QueueBacklog(int? Score, int? Mine);

public sealed record ErasureResponse(string UserId, bool Existed, string Detail);

public sealed record HealthResponse(string Status);
