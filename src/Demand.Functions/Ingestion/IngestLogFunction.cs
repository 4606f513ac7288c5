using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
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
    /// <summary>Large reads amortise storage round trips; the parser buffers on top of this.</summary>
    private const int ReadBufferBytes = 4 << 20;

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

        var properties = await blob.GetPropertiesAsync(cancellationToken: cancellationToken);
        await using var content = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = ReadBufferBytes }, cancellationToken);
        var result = await ingest.RunAsync(merchantId, name, content, properties.Value.ContentLength, cancellationToken);
        return new IngestLogOutput
        {
            ScoreRequests = [.. result.ScoreRequests.Select(m => JsonSerializer.Serialize(m, DemandJson.Options))],
            MineRequests = [.. result.MineRequests.Select(m => JsonSerializer.Serialize(m, DemandJson.Options))],
        };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "IngestLog ignored blob {BlobName}: not logs/<merchantId>/<name> with a valid merchant id")]
    private partial void LogIgnored(string blobName);
}
