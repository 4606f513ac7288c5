using Demand.Core.Identifiers;
using System.Security.Cryptography;
using Demand.Core.Ingestion;
using Demand.Core.Messaging;
using Demand.Core.Storage;
using Demand.Infrastructure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Ingestion;

/// <summary>What one ingested part leaves behind for the queues.</summary>
public sealed record IngestPartResult(IngestionReport Report, IReadOnlyList<ScoreRequest> ScoreRequests, IReadOnlyList<MineRequest> MineRequests);

/// <summary>
/// One log part, once: mapping and tombstones → parse, validate, aggregate (one streaming pass that also hashes the
/// content) → exactly-once merge per user and part → quarantine → report → score and mine work. Every step is safe to
/// repeat, so a failed invocation is retried whole.
/// </summary>
public sealed partial class IngestPart(
    IIngestionStore store,
    IFeatureStore features,
    IQuarantine quarantine,
    TimeProvider time,
    IOptions<CosmosOptions> cosmos,
    ILogger<IngestPart> logger,
    IIngestionHooks? hooks = null)
{
    /// <summary>Parts at least this large release the parse's memory before merging (a full, compacting collection).</summary>
    public const long ReleaseAfterParseBytes = 64L << 20;

    public async Task<IngestPartResult> RunAsync(MerchantId merchantId, string blobName, Stream content, long length, CancellationToken cancellationToken)
    {
        var mapping = await store.GetMappingAsync(merchantId, cancellationToken);
        var tombstones = await store.GetTombstonesAsync(merchantId, cancellationToken);
        IngestionOutcome outcome;
        string partId;
        using (var hashing = new HashingStream(content))
        {
            outcome = new LogIngestor(mapping, now: time.GetUtcNow())
                .Ingest(merchantId, "", blobName, hashing, length, tombstones.Count == 0 ? null : u => tombstones.Contains(Tombstones.Id(merchantId, u)));
            partId = PartId(merchantId, blobName, hashing.DrainAndHash());
        }

        if (length >= ReleaseAfterParseBytes)
        {
            // The parse leaves its duplicate-id set and read buffers (tens of MiB, on the large-object heap) dead but
            // mapped until a full collection that the merge's small allocations never trigger. On a 2 GB instance with
            // several parts in flight, give them back before the merge grows its own working set.
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }

        var report = outcome.Report;
        report.PartId = partId;
        if (!outcome.Readable)
        {
            await store.SaveReportAsync(report, cancellationToken);
            LogUnreadable(merchantId, blobName, report.Error);
            return new IngestPartResult(report, [], []);
        }

        var merged = 0;
        var already = 0;
        var options = new ParallelOptions { MaxDegreeOfParallelism = cosmos.Value.MaxConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(outcome.Users.Values, options, async (user, ct) =>
        {
            var merge = await features.MergeAsync(partId, user, ct);
            var count = merge == MergeOutcome.Merged ? Interlocked.Increment(ref merged) : 0;
            if (merge == MergeOutcome.AlreadyMerged)
            {
                Interlocked.Increment(ref already);
            }

            hooks?.AfterUserMerged(merchantId, user.UserId, count);
        });

        if (!outcome.Quarantine.IsEmpty)
        {
            await quarantine.WriteAsync(merchantId, blobName, outcome.Quarantine, cancellationToken);
        }

        var asOf = report.LastEventAt ?? time.GetUtcNow();
        var scoreRequests = WorkBatcher.ScoreRequests(merchantId, outcome.Users.Keys.Order(StringComparer.Ordinal), ScoreCause.Ingest, partId, asOf);
        var mineRequests = WorkBatcher.MineRequests(merchantId, partId, outcome.Reviews);
        report.UsersMerged = merged;
        report.UsersAlreadyMerged = already;
        report.ScoreMessages = scoreRequests.Count;
        report.MineMessages = mineRequests.Count;
        report.FinishedAt = time.GetUtcNow();
        report.TotalMilliseconds = (report.FinishedAt - report.StartedAt).TotalMilliseconds;
        await store.SaveReportAsync(report, cancellationToken);
        LogIngested(merchantId, blobName, report.LinesRead, report.Accepted, report.Rejected, report.Duplicates, report.UsersTouched, merged, already);
        return new IngestPartResult(report, scoreRequests, mineRequests);
    }

    /// <summary>A part's identity: merchant + blob name + content hash, as a Cosmos-safe id.</summary>
    public static string PartId(MerchantId merchantId, string blobName, ReadOnlySpan<byte> contentHash)
    {
        var identity = System.Text.Encoding.UTF8.GetBytes(merchantId.Value + "\n" + blobName + "\n" + Convert.ToHexStringLower(contentHash));
        return Convert.ToHexStringLower(SHA256.HashData(identity).AsSpan(0, 12));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "IngestLog could not read {Merchant}/{Blob}: {Error}")]
    private partial void LogUnreadable(string merchant, string blob, string? error);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "IngestLog {Merchant}/{Blob}: {Lines} lines, {Accepted} accepted, {Rejected} rejected, {Duplicates} duplicates, {Users} users ({Merged} merged, {Already} already merged)")]
    private partial void LogIngested(string merchant, string blob, long lines, long accepted, long rejected, long duplicates, int users, int merged, int already);
}
