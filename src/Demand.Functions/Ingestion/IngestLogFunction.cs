using System.Text.Json;
using Azure.Storage.Blobs;
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
        var download = (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken)).Value;
        var length = download.Details.ContentLength;
        await using var content = new ReadAheadStream(download.Content, ChunkBytes, ChunksAhead, cancellationToken);
        var result = await ingest.RunAsync(merchantId, name, content, length, cancellationToken);
        return new IngestLogOutput
        {
            ScoreRequests = [.. result.ScoreRequests.Select(m => JsonSerializer.Serialize(m, DemandJson.Options))],
            MineRequests = [.. result.MineRequests.Select(m => JsonSerializer.Serialize(m, DemandJson.Options))],
        };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "IngestLog ignored blob {BlobName}: not logs/<merchantId>/<name> with a valid merchant id")]
    private partial void LogIgnored(string blobName);
}
