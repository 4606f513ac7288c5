using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using Azure;
using Demand.Core.Features;
using Demand.Core.Identifiers;
using Demand.Core.Ingestion;
using Demand.Core.Messaging;
using Demand.Core.Storage;
using Demand.Infrastructure.Cosmos;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Ingestion;

/// <summary>What one ingested part leaves behind for the queues.</summary>
public sealed record IngestPartResult(IngestionReport Report, IReadOnlyList<ScoreRequest> ScoreRequests, IReadOnlyList<MineRequest> MineRequests);

/// <summary>Opens the part's content from the start, on the same version of the blob each time.</summary>
public delegate Task<Stream> OpenPart(CancellationToken cancellationToken);

/// <summary>
/// One log part, once: size and mapping checks → parse, validate, aggregate (one streaming pass that also hashes the
/// content and recognises content an earlier part already merged) → exactly-once merge per user and part → quarantine
/// → content fingerprint → report → score and mine work. Every step is safe to repeat, so a transient failure is
/// retried whole; a permanent one (<see cref="IsPermanent"/>) ends in a failed report instead of retries.
/// </summary>
public sealed partial class IngestPart(
    IIngestionStore store,
    IFeatureStore features,
    IQuarantine quarantine,
    TimeProvider time,
    IOptions<CosmosOptions> cosmos,
    IOptions<IngestionOptions> options,
    ILogger<IngestPart> logger,
    IIngestionHooks? hooks = null)
{
    /// <summary>Parts at least this large release the parse's memory before merging (a full, compacting collection).</summary>
    public const long ReleaseAfterParseBytes = 64L << 20;

    /// <summary>A part already in memory or on disk (tests, benches): reopened by seeking back to its start.</summary>
    public Task<IngestPartResult> RunAsync(MerchantId merchantId, string blobName, Stream content, long length, CancellationToken cancellationToken) =>
        RunAsync(merchantId, blobName, _ =>
        {
            if (content.CanSeek)
            {
                content.Position = 0;
            }

            return Task.FromResult<Stream>(new NonClosingStream(content));
        }, length, null, null, cancellationToken);

    /// <param name="version">The blob's ETag (identifies a part refused unread); null when unknown.</param>
    /// <param name="uploadedAt">When this version of the blob was written (its last-modified time); null when unknown.</param>
    public async Task<IngestPartResult> RunAsync(
        MerchantId merchantId, string blobName, OpenPart open, long length, string? version, DateTimeOffset? uploadedAt, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var uploadId = UploadNames.IdOf(blobName);
        var limit = options.Value.MaxPartBytes;
        if (length > limit)
        {
            return await FailAsync(merchantId, blobName, length, version, uploadedAt, null,
                $"The part is {Mib(length)} MiB; parts may be at most {Mib(limit)} MiB. Split it into smaller parts (by day or by line count) and upload those.",
                cancellationToken);
        }

        StoredMapping? stored;
        LogMapping mapping;
        try
        {
            stored = await store.GetStoredMappingAsync(merchantId, cancellationToken);
            mapping = stored?.Parse() ?? LogMapping.Default;
        }
        catch (InvalidDataException ex)
        {
            var registered = await store.GetStoredMappingAsync(merchantId, cancellationToken);
            return await FailAsync(merchantId, blobName, length, version, uploadedAt, registered?.Version,
                $"The registered mapping (version {registered?.Version}) is invalid: {ex.Message} Register a corrected one (PUT /api/v1/merchants/{merchantId}/mapping or demand mappings set); then upload the part again.",
                cancellationToken);
        }

        var tombstones = await store.GetTombstonesAsync(merchantId, cancellationToken);
        var now = time.GetUtcNow(); // one "now" for every read of the part, so a second read validates rows alike
        Func<UserId, bool>? isErased = tombstones.Count == 0 ? null : u => tombstones.Contains(Tombstones.Id(merchantId, u));
        IReadOnlyList<MergedContent> known = await store.GetMergedContentAsync(merchantId, cancellationToken);
        long skip = 0;
        string? skipOf = null;
        IngestionOutcome outcome;
        string partId;
        while (true)
        {
            await using (var content = await open(cancellationToken))
            using (var hashing = new HashingStream(content))
            {
                outcome = new LogIngestor(mapping, now: now) { Known = known, SkipRecords = skip, SkipOf = skipOf }
                    .Ingest(merchantId, "", blobName, hashing, length, isErased);
                partId = PartId(merchantId, blobName, hashing.DrainAndHash());
            }

            if (outcome.RestartSkipping is { } restart)
            {
                // The part began like a merged one but went on differently: read it again, skipping only what was verified.
                (known, skip, skipOf) = ([], restart, outcome.RestartSkippingOf);
                continue;
            }

            if (outcome.Report.Status == IngestionReport.Duplicate && outcome.Report.DuplicateOf == partId)
            {
                // This very part again (a redelivery): merge it as usual, which the ledger makes a no-op per user.
                (known, skip, skipOf) = ([], 0, null);
                continue;
            }

            break;
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
        report.UploadId = uploadId;
        report.UploadedAt = uploadedAt;
        report.StartedAt = started;
        report.MappingVersion = stored?.Version;
        if (!outcome.Readable)
        {
            report.FinishedAt = time.GetUtcNow();
            await store.SaveReportAsync(report, cancellationToken);
            LogNotMerged(merchantId, blobName, report.Status, report.Error ?? report.Note);
            return new IngestPartResult(report, [], []);
        }

        var merged = 0;
        var already = 0;
        var countedBefore = 0L;
        var needEvents = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = cosmos.Value.MaxConcurrency, CancellationToken = cancellationToken };
        async ValueTask MergeAsync(UserFeatures user, CancellationToken ct)
        {
            var merge = await features.MergeAsync(partId, user, ct);
            if (merge.Outcome == MergeOutcome.NeedsEvents)
            {
                needEvents.TryAdd(user.UserId, 0);
                return;
            }

            var count = merge.Outcome == MergeOutcome.Merged ? Interlocked.Increment(ref merged) : 0;
            if (merge.Outcome == MergeOutcome.AlreadyMerged)
            {
                Interlocked.Increment(ref already);
            }

            Interlocked.Add(ref countedBefore, merge.Events.Duplicates.Count);
            hooks?.AfterUserMerged(merchantId, user.UserId, count);
        }

        await Parallel.ForEachAsync(outcome.Users.Values, parallel, MergeAsync);
        if (!needEvents.IsEmpty)
        {
            // Some shoppers already hold some of these event ids (sent live, or in an overlapping part). The first read
            // kept only ids; read the part again for those shoppers alone, keeping their events, and merge event by event.
            var only = needEvents.Keys.ToHashSet(StringComparer.Ordinal);
            IngestionOutcome again;
            await using (var content = await open(cancellationToken))
            {
                again = new LogIngestor(mapping, now: now) { Known = known, SkipRecords = skip, SkipOf = skipOf, OnlyUsers = only }
                    .Ingest(merchantId, "", blobName, content, length, isErased);
            }

            LogReadAgain(merchantId, blobName, only.Count);
            await Parallel.ForEachAsync(again.Users.Values.Where(u => only.Contains(u.UserId)), parallel, MergeAsync);
        }

        if (!outcome.Quarantine.IsEmpty)
        {
            await quarantine.WriteAsync(merchantId, blobName, outcome.Quarantine, cancellationToken);
        }

        if (outcome.Fingerprint is { } fingerprint)
        {
            // Only after every user merged: a copy of this content is skipped from now on.
            await store.SaveMergedContentAsync(
                new MergedContent
                {
                    MerchantId = merchantId, PartId = partId, BlobName = blobName, Records = fingerprint.Records, Hash = fingerprint.Hash, Head = fingerprint.Head,
                    MergedAt = time.GetUtcNow(),
                },
                cancellationToken);
        }

        var asOf = report.LastEventAt ?? time.GetUtcNow();
        var scoreRequests = WorkBatcher.ScoreRequests(merchantId, outcome.Users.Keys.Order(StringComparer.Ordinal), ScoreCause.Ingest, partId, asOf);
        var mineRequests = WorkBatcher.MineRequests(merchantId, partId, outcome.Reviews);
        report.UsersMerged = merged;
        report.UsersAlreadyMerged = already;
        report.CountedBefore = countedBefore;
        report.ScoreMessages = scoreRequests.Count;
        report.MineMessages = mineRequests.Count;
        report.FinishedAt = time.GetUtcNow();
        report.TotalMilliseconds = (report.FinishedAt - report.StartedAt).TotalMilliseconds;
        await store.SaveReportAsync(report, cancellationToken);
        LogIngested(merchantId, blobName, report.LinesRead, report.Accepted, report.Rejected, report.Duplicates, report.UsersTouched, merged, already);
        return new IngestPartResult(report, scoreRequests, mineRequests);
    }

    /// <summary>
    /// Failures that retrying cannot fix: the content or mapping is wrong (<see cref="InvalidDataException"/>), Cosmos
    /// refuses the request itself (400, 413), or the blob is gone (404). Everything else — timeouts, throttling, 5xx,
    /// dropped connections — is transient and left to the host's retries, which are safe.
    /// </summary>
    public static bool IsPermanent(Exception exception) => exception switch
    {
        InvalidDataException => true,
        CosmosException { StatusCode: HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge } => true,
        RequestFailedException { Status: 404 } => true,
        _ => false,
    };

    /// <summary>Leaves a failed report for a part that cannot be ingested, so the invocation can complete instead of being retried.</summary>
    public Task<IngestPartResult> ReportFailureAsync(
        MerchantId merchantId, string blobName, long length, string? version, DateTimeOffset? uploadedAt, Exception exception, CancellationToken cancellationToken) =>
        FailAsync(merchantId, blobName, length, version, uploadedAt, null, exception switch
        {
            RequestFailedException { Status: 404 } => "The part was deleted before it could be read; nothing was ingested.",
            InvalidDataException => "The part could not be ingested: " + exception.Message,
            _ => "The part could not be stored (" + exception.GetType().Name + "); nothing more was ingested. If it persists, contact support with this report's id.",
        }, cancellationToken);

    private async Task<IngestPartResult> FailAsync(
        MerchantId merchantId, string blobName, long length, string? version, DateTimeOffset? uploadedAt, int? mappingVersion, string error, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var report = new IngestionReport
        {
            MerchantId = merchantId,
            // Not read, so not hashed: the part is named by its blob version instead.
            PartId = PartId(merchantId, blobName, SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("unread\n" + (version ?? length.ToString(System.Globalization.CultureInfo.InvariantCulture))))),
            UploadId = UploadNames.IdOf(blobName),
            BlobName = blobName,
            Status = IngestionReport.Failed,
            Error = error,
            Bytes = length,
            MappingVersion = mappingVersion,
            UploadedAt = uploadedAt,
            StartedAt = now,
            FinishedAt = now,
        };
        await store.SaveReportAsync(report, cancellationToken);
        LogNotMerged(merchantId, blobName, report.Status, error);
        return new IngestPartResult(report, [], []);
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A part's identity: merchant + blob name + content hash, as a Cosmos-safe id.</summary>
    public static string PartId(MerchantId merchantId, string blobName, ReadOnlySpan<byte> contentHash)
    {
        var identity = System.Text.Encoding.UTF8.GetBytes(merchantId.Value + "\n" + blobName + "\n" + Convert.ToHexStringLower(contentHash));
        return Convert.ToHexStringLower(SHA256.HashData(identity).AsSpan(0, 12));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "IngestLog did not merge {Merchant}/{Blob} ({Status}): {Reason}")]
    private partial void LogNotMerged(string merchant, string blob, string status, string? reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "IngestLog {Merchant}/{Blob}: read again for {Users} shoppers holding some of its event ids already")]
    private partial void LogReadAgain(string merchant, string blob, int users);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "IngestLog {Merchant}/{Blob}: {Lines} lines, {Accepted} accepted, {Rejected} rejected, {Duplicates} duplicates, {Users} users ({Merged} merged, {Already} already merged)")]
    private partial void LogIngested(string merchant, string blob, long lines, long accepted, long rejected, long duplicates, int users, int merged, int already);

    /// <summary>Lets a caller's stream be read again after the ingestor disposes what it was handed.</summary>
    private sealed class NonClosingStream(Stream inner) : ReadOnlyStream
    {
        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
    }
}
