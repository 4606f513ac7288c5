using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Demand.Core.Ingestion;
using Demand.Core;
using Demand.Infrastructure.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Demand.Functions.Ingestion;

/// <summary>The queue messages an ingested part fans out to; the host writes them only when the invocation succeeds.</summary>
public sealed class IngestLogOutput
{
    [QueueOutput(FunctionNames.ScoreQueue, Connection = LogsStorage.ConnectionName)]
    public string[] ScoreRequests { get; init; } = [];

    [QueueOutput(FunctionNames.MineQueue, Connection = LogsStorage.ConnectionName)]
    public string[] MineRequests { get; init; } = [];
}

/// <summary>
/// Blob trigger on <c>logs/{merchantId}/{name}</c> (Event Grid source, as Flex Consumption requires). The part streams
/// from storage through <see cref="IngestPart"/>: no copy in memory, no size cap but storage's.
/// </summary>
public sealed partial class IngestLogFunction(IngestPart ingest, ILogger<IngestLogFunction> logger)
{
    /// <summary>
    /// One streamed GET, read ahead of the parser in 2 MiB chunks, at most 3 ahead (8 MiB in all): enough to keep the
    /// download going while the parser works, small next to the part's state (bench ingest --through-host).
    /// </summary>
    private const int ChunkBytes = 2 << 20;

    private const int ChunksAhead = 3;

    [Function(FunctionNames.IngestLog)]
    public async Task<IngestLogOutput> Run(
        [BlobTrigger(LogsStorage.LogsContainer + "/{merchantId}/{name}", Source = BlobTriggerSource.EventGrid, Connection = LogsStorage.ConnectionName)] BlobClient blob,
        CancellationToken cancellationToken)
    {
        if (!BlobPath.TryParse(blob.Name, out var merchantId, out var name))
        {
            // Retrying cannot fix a path: acknowledge, say why, change nothing.
            LogIgnored(blob.Name);
            return new IngestLogOutput();
        }

        // The SDK resumes a dropped download from where it stopped, on the same ETag (a part replaced meanwhile fails the
        // invocation instead of mixing two versions), as OpenReadAsync(allowModifications: false) did range by range.
        // The first response only opens the stream: a part over the size limit is refused before its body is read.
        BlobDownloadStreamingResult first;
        try
        {
            first = (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (IngestPart.IsPermanent(ex))
        {
            await ingest.ReportFailureAsync(merchantId, name, 0, null, null, ex, cancellationToken);
            return new IngestLogOutput();
        }

        var length = first.Details.ContentLength;
        var etag = first.Details.ETag;

        // The upload time of the version being read (a replaced part counts from its replacement): the start of the upload-to-profile lag.
        var uploadedAt = first.Details.LastModified;
        var opened = 0;
        async Task<Stream> Open(CancellationToken ct)
        {
            var download = Interlocked.Increment(ref opened) == 1
                ? first
                : (await blob.DownloadStreamingAsync(new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = etag } }, ct)).Value;
            return new ReadAheadStream(download.Content, ChunkBytes, ChunksAhead, ct);
        }

        IngestPartResult result;
        try
        {
            result = await ingest.RunAsync(merchantId, name, Open, length, etag.ToString(), uploadedAt, cancellationToken);
        }
        catch (Exception ex) when (IngestPart.IsPermanent(ex))
        {
            // Retrying cannot help: complete the invocation with a report that says why (no retries, no poison message).
            LogPermanent(ex, merchantId, name);
            await ingest.ReportFailureAsync(merchantId, name, length, etag.ToString(), uploadedAt, ex, cancellationToken);
            return new IngestLogOutput();
        }
        finally
        {
            if (opened == 0)
            {
                first.Dispose();
            }
        }

        return new IngestLogOutput
        {
            ScoreRequests = [.. result.ScoreRequests.Select(m => JsonSerializer.Serialize(m, DemandJson.Options))],
            MineRequests = [.. result.MineRequests.Select(m => JsonSerializer.Serialize(m, DemandJson.Options))],
        };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "IngestLog {Merchant}/{Blob} failed for good; a failed report says why")]
    private partial void LogPermanent(Exception exception, string merchant, string blob);

    [LoggerMessage(Level = LogLevel.Error, Message = "IngestLog ignored blob {BlobName}: not logs/<merchantId>/<name> with a valid merchant id")]
    private partial void LogIgnored(string blobName);
}
