using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using Demand.Core.Events;
using Demand.Core.Features;
using Demand.Core.Messaging;
using Demand.Core.Storage;

namespace Demand.Core.Ingestion;

/// <summary>Ingestion state besides per-user features: merchant mappings, erasure tombstones, ingestion reports.</summary>
public interface IIngestionStore
{
    /// <summary>The merchant's stored log mapping (<c>merchants</c>, id <c>mapping.{merchantId}</c>), or null for the default preset.</summary>
    Task<LogMapping?> GetMappingAsync(string merchantId, CancellationToken cancellationToken);

    Task SaveMappingAsync(string merchantId, LogMapping mapping, CancellationToken cancellationToken);

    /// <summary>Ids of the merchant's erasure tombstones (<see cref="Tombstones.Id"/>), loaded once per part.</summary>
    Task<IReadOnlySet<string>> GetTombstoneIdsAsync(string merchantId, CancellationToken cancellationToken);

    /// <summary>Writes (replaces) the report of a part.</summary>
    Task SaveReportAsync(IngestionReport report, CancellationToken cancellationToken);

    Task<IngestionReport?> GetReportAsync(string merchantId, string partId, CancellationToken cancellationToken);
}

/// <summary>Observes merges as they happen; tests use it to fail an invocation half-way.</summary>
public interface IIngestionProbe
{
    ValueTask UserMergedAsync(string partId, int mergedSoFar, CancellationToken cancellationToken);
}

/// <summary>The probe used in production: does nothing.</summary>
public sealed class NoIngestionProbe : IIngestionProbe
{
    public ValueTask UserMergedAsync(string partId, int mergedSoFar, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>Ingestion settings (section <c>Ingestion</c>).</summary>
public sealed class IngestionOptions
{
    public const string Section = "Ingestion";

    /// <summary>Concurrent per-user merges towards Cosmos.</summary>
    [Range(1, 256)]
    public int MaxConcurrency { get; set; } = 16;
}

/// <summary>What one part produced: the report and the work for the scorer, the miner and the quarantine.</summary>
public sealed record PartIngestionResult(
    IngestionReport Report,
    IReadOnlyList<ScoreRequest> ScoreRequests,
    IReadOnlyList<MineRequest> MineRequests,
    ReadOnlyMemory<byte> Quarantine);

/// <summary>
/// Ingests one log part: parse everything first (so an unreadable part changes nothing), then merge each
/// user's partial exactly once (the part id is recorded in the user's document in the same write), skipping
/// erased users. A retry after a crash re-merges only the users whose write did not land.
/// </summary>
public sealed class LogPartIngestor(IFeatureStore features, IIngestionStore store, IIngestionProbe probe, TimeProvider time)
{
    private const int MineEnvelopeBytes = 1024;

    public async Task<PartIngestionResult> IngestAsync(string merchantId, string name, ReadOnlyMemory<byte> content, int maxConcurrency, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var identity = new PartIdentity(merchantId, name, PartIdentity.HashContent(content.Span));
        var partId = identity.PartId;
        var stored = await store.GetMappingAsync(merchantId, cancellationToken);
        var mappingName = stored is null ? LogMapping.DefaultPreset : "merchant";
        CompiledMapping mapping;
        try
        {
            mapping = (stored ?? LogMapping.Default).Compile();
        }
        catch (MappingException ex)
        {
            return await UnreadableAsync(identity, content.Length, mappingName, "invalid_mapping", ex.Message, started, cancellationToken);
        }

        using var quarantine = new MemoryStream();
        using var writer = new QuarantineWriter(quarantine);
        var parser = new LogPartParser(mapping, merchantId, time.GetUtcNow(), writer);
        try
        {
            using var stream = AsStream(content);
            parser.Parse(stream);
        }
        catch (UnreadableLogException ex)
        {
            return await UnreadableAsync(identity, content.Length, mappingName, ex.Reason, ex.Message, started, cancellationToken);
        }

        var parsed = Stopwatch.GetElapsedTime(started);
        var partials = parser.Aggregator.Partials.OrderBy(p => p.UserId, StringComparer.Ordinal).ToList();
        var tombstones = partials.Count == 0 ? new HashSet<string>() : await store.GetTombstoneIdsAsync(merchantId, cancellationToken);
        var suppressed = partials.Where(p => tombstones.Contains(Tombstones.Id(merchantId, p.UserId))).Select(p => p.UserId).ToHashSet(StringComparer.Ordinal);
        int merged = 0, already = 0;
        await Parallel.ForEachAsync(
            partials.Where(p => !suppressed.Contains(p.UserId)),
            new ParallelOptions { MaxDegreeOfParallelism = maxConcurrency, CancellationToken = cancellationToken },
            async (partial, ct) =>
            {
                var outcome = await features.MergeAsync(partId, partial, ct);
                if (outcome == MergeOutcome.AlreadyMerged)
                {
                    Interlocked.Increment(ref already);
                    return;
                }

                await probe.UserMergedAsync(partId, Interlocked.Increment(ref merged), ct);
            });

        var now = time.GetUtcNow();
        var users = partials.Where(p => !suppressed.Contains(p.UserId)).Select(p => p.UserId).ToList();
        var scoreRequests = users.Chunk(ScoreRequest.MaxUsers)
            .Select(batch => new ScoreRequest { MerchantId = merchantId, UserIds = batch, Cause = ScoreCause.Ingest, PartId = partId, AsOf = now })
            .ToList();
        var mineRequests = SplitReviews(merchantId, partId, parser.Reviews.Where(r => !suppressed.Contains(r.UserId)));
        var counts = parser.Counts;
        var total = Stopwatch.GetElapsedTime(started);
        var report = new IngestionReport
        {
            Id = IngestionReport.IdFor(partId),
            MerchantId = merchantId,
            PartId = partId,
            Name = name,
            ContentHash = identity.ContentHash,
            SizeBytes = content.Length,
            Status = "ingested",
            Format = counts.Format.ToString().ToLowerInvariant(),
            Gzip = counts.Gzip,
            Mapping = mappingName,
            LinesRead = counts.LinesRead,
            Accepted = counts.Accepted,
            Rejected = counts.Rejected,
            Duplicates = counts.Duplicates,
            BlankLines = counts.BlankLines,
            HeaderLines = counts.HeaderLines,
            AcceptedByType = Enumerable.Range(0, EventTypes.Count).Where(t => counts.AcceptedByType[t] > 0)
                .ToDictionary(t => ((EventType)t).ToWireName(), t => counts.AcceptedByType[t], StringComparer.Ordinal),
            RejectsByReason = new Dictionary<string, long>(counts.RejectsByReason, StringComparer.Ordinal),
            UsersTouched = partials.Count,
            UsersMerged = merged,
            UsersAlreadyMerged = already,
            UsersSuppressed = suppressed.Count,
            ReviewsToMine = mineRequests.Sum(m => m.Reviews.Count),
            ScoreMessages = scoreRequests.Count,
            MineMessages = mineRequests.Count,
            FirstEventAt = counts.Accepted > 0 ? DateTimeOffset.FromUnixTimeSeconds(counts.MinEventTime) : null,
            LastEventAt = counts.Accepted > 0 ? DateTimeOffset.FromUnixTimeSeconds(counts.MaxEventTime) : null,
            IngestedAt = now,
            ParseMilliseconds = parsed.TotalMilliseconds,
            TotalMilliseconds = total.TotalMilliseconds,
            EventsPerSecond = parsed.TotalSeconds > 0 ? counts.LinesRead / parsed.TotalSeconds : 0,
        };
        await store.SaveReportAsync(report, cancellationToken);
        writer.Dispose();
        return new PartIngestionResult(report, scoreRequests, mineRequests, quarantine.ToArray());
    }

    /// <summary>Groups reviews into messages whose JSON stays under <see cref="QueueLimits.MaxMessageBytes"/>.</summary>
    public static List<MineRequest> SplitReviews(string merchantId, string partId, IEnumerable<ReviewToMine> reviews)
    {
        var messages = new List<MineRequest>();
        var batch = new List<ReviewToMine>();
        var size = MineEnvelopeBytes;
        foreach (var review in reviews)
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(review, DemandJson.Options).Length + 1;
            if (batch.Count > 0 && size + bytes > QueueLimits.MaxMessageBytes)
            {
                messages.Add(new MineRequest { MerchantId = merchantId, PartId = partId, Reviews = batch });
                batch = [];
                size = MineEnvelopeBytes;
            }

            batch.Add(review);
            size += bytes;
        }

        if (batch.Count > 0)
        {
            messages.Add(new MineRequest { MerchantId = merchantId, PartId = partId, Reviews = batch });
        }

        return messages;
    }

    private async Task<PartIngestionResult> UnreadableAsync(PartIdentity identity, long size, string mapping, string reason, string detail, long started, CancellationToken cancellationToken)
    {
        var report = new IngestionReport
        {
            Id = IngestionReport.IdFor(identity.PartId),
            MerchantId = identity.MerchantId,
            PartId = identity.PartId,
            Name = identity.Name,
            ContentHash = identity.ContentHash,
            SizeBytes = size,
            Status = "unreadable",
            Error = reason,
            ErrorDetail = detail,
            Mapping = mapping,
            IngestedAt = time.GetUtcNow(),
            TotalMilliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
        };
        await store.SaveReportAsync(report, cancellationToken);
        return new PartIngestionResult(report, [], [], ReadOnlyMemory<byte>.Empty);
    }

    private static MemoryStream AsStream(ReadOnlyMemory<byte> content) =>
        MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
}
