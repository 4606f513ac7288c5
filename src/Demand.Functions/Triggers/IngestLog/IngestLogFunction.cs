using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Demand.Core;
using Demand.Core.Ingestion;
using Demand.Core.Messaging;
using Demand.Core.Storage;
using Demand.Functions.Hosting;
using Demand.Hosting.Envelope;
using Demand.Infrastructure.Cosmos;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Triggers.IngestLog;

/// <summary>Called after each user's features are merged; tests use it to fail an invocation half-way.</summary>
public interface IIngestionHooks
{
    void AfterUserMerged(string merchantId, string userId, int mergedSoFar);
}

/// <summary>Blob trigger on <c>logs/{merchantId}/{name}</c>: a log part → features, score and mine work, quarantine, report.</summary>
public static partial class IngestLogFunction
{
    public const string LogBinding = "log";
    public const string ScoreQueueBinding = "scoreQueue";
    public const string MineQueueBinding = "mineQueue";
    public const string RejectsBinding = "rejects";

    public static IServiceCollection AddIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        _ = configuration;
        services.AddSingleton<IFeatureStore, CosmosFeatureStore>();
        services.AddSingleton<IIngestionStore, CosmosIngestionStore>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    public static IEndpointRouteBuilder MapIngestLog(this IEndpointRouteBuilder app)
    {
        app.MapTrigger(FunctionNames.IngestLog, HandleAsync);
        return app;
    }

    /// <summary>Merchant ids are path segments and partition keys: keep them boring.</summary>
    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    public static partial Regex MerchantIdPattern();

    private static async Task<InvocationResult> HandleAsync(InvocationRequest request, IServiceProvider services, CancellationToken cancellationToken)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(IngestLogFunction));
        var result = new InvocationResult();
        var uri = request.GetMetadata("Uri");
        if (!TryParseBlobPath(uri, out var merchantId, out var blobName))
        {
            // Retrying cannot fix a path: acknowledge, say why, change nothing.
            logger.LogError("IngestLog ignored blob {BlobUri}: not logs/<merchantId>/<name> with a valid merchant id", uri);
            return result.Log("ignored: blob path is not logs/<merchantId>/<name> with a valid merchant id");
        }

        var content = request.GetBinary(LogBinding);
        var partId = PartId(merchantId, blobName, content.Span);
        var store = services.GetRequiredService<IIngestionStore>();
        var features = services.GetRequiredService<IFeatureStore>();
        var hooks = services.GetService<IIngestionHooks>();
        var time = services.GetRequiredService<TimeProvider>();
        var concurrency = services.GetRequiredService<IOptions<CosmosOptions>>().Value.MaxConcurrency;

        var mapping = await store.GetMappingAsync(merchantId, cancellationToken);
        var tombstones = await store.GetTombstonesAsync(merchantId, cancellationToken);
        var outcome = new LogIngestor(mapping, now: time.GetUtcNow())
            .Ingest(merchantId, partId, blobName, content, tombstones.Count == 0 ? null : u => tombstones.Contains(Tombstones.Id(merchantId, u)));
        var report = outcome.Report;
        if (!outcome.Readable)
        {
            await store.SaveReportAsync(report, cancellationToken);
            logger.LogWarning("IngestLog could not read {Merchant}/{Blob}: {Error}", merchantId, blobName, report.Error);
            return result.Log("unreadable: " + report.Error);
        }

        var merged = 0;
        var already = 0;
        await Parallel.ForEachAsync(outcome.Users.Values, new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = cancellationToken }, async (user, ct) =>
        {
            var merge = await features.MergeAsync(partId, user, ct);
            var count = merge == MergeOutcome.Merged ? Interlocked.Increment(ref merged) : 0;
            if (merge == MergeOutcome.AlreadyMerged)
            {
                Interlocked.Increment(ref already);
            }

            hooks?.AfterUserMerged(merchantId, user.UserId, count);
        });

        var asOf = report.LastEventAt ?? time.GetUtcNow();
        var scoreRequests = WorkBatcher.ScoreRequests(merchantId, outcome.Users.Keys.Order(StringComparer.Ordinal), ScoreCause.Ingest, partId, asOf);
        var mineRequests = WorkBatcher.MineRequests(merchantId, partId, outcome.Reviews);
        result.AddMessages(ScoreQueueBinding, scoreRequests, DemandJson.Options);
        result.AddMessages(MineQueueBinding, mineRequests, DemandJson.Options);
        if (!outcome.Quarantine.IsEmpty)
        {
            result.SetBlob(RejectsBinding, outcome.Quarantine);
        }

        report.UsersMerged = merged;
        report.UsersAlreadyMerged = already;
        report.ScoreMessages = scoreRequests.Count;
        report.MineMessages = mineRequests.Count;
        report.FinishedAt = time.GetUtcNow();
        report.TotalMilliseconds = (report.FinishedAt - report.StartedAt).TotalMilliseconds;
        await store.SaveReportAsync(report, cancellationToken);
        logger.LogInformation(
            "IngestLog {Merchant}/{Blob}: {Lines} lines, {Accepted} accepted, {Rejected} rejected, {Duplicates} duplicates, {Users} users ({Merged} merged, {Already} already merged)",
            merchantId, blobName, report.LinesRead, report.Accepted, report.Rejected, report.Duplicates, report.UsersTouched, merged, already);
        return result.Log($"ingested part {partId}: {report.Accepted} accepted, {report.Rejected} rejected, {report.Duplicates} duplicates, {report.UsersTouched} users");
    }

    /// <summary>Merchant and blob name from the decoded <c>Uri</c> (the host's <c>{name}</c> may span '/'; never trust it as a file name).</summary>
    public static bool TryParseBlobPath(string? uri, out string merchantId, out string blobName)
    {
        merchantId = blobName = "";
        if (!Uri.TryCreate(uri, UriKind.Absolute, out _))
        {
            return false;
        }

        // Split the path as written: System.Uri would resolve "m1/../m2" to m2, letting one merchant's upload land on another.
        var raw = uri!;
        var pathStart = raw.IndexOf('/', raw.IndexOf("//", StringComparison.Ordinal) + 2);
        var query = raw.IndexOfAny(['?', '#']);
        var path = pathStart < 0 ? "" : query > pathStart ? raw[pathStart..query] : raw[pathStart..];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        if (segments.Any(s => s is "." or ".."))
        {
            return false;
        }

        var logs = Array.IndexOf(segments, "logs");
        if (logs < 0 || segments.Length < logs + 3 || !MerchantIdPattern().IsMatch(segments[logs + 1]) || segments[(logs + 2)..].Any(s => s is "." or ".."))
        {
            return false;
        }

        merchantId = segments[logs + 1];
        blobName = string.Join('/', segments[(logs + 2)..]);
        return true;
    }

    /// <summary>A part's identity: merchant + blob name + content hash, as a Cosmos-safe id.</summary>
    public static string PartId(string merchantId, string blobName, ReadOnlySpan<byte> content)
    {
        Span<byte> contentHash = stackalloc byte[32];
        SHA256.HashData(content, contentHash);
        var identity = System.Text.Encoding.UTF8.GetBytes(merchantId + "\n" + blobName + "\n" + Convert.ToHexStringLower(contentHash));
        return Convert.ToHexStringLower(SHA256.HashData(identity).AsSpan(0, 12));
    }
}
