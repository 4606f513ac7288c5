using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Demand.Infrastructure.Storage;

/// <summary>
/// The blob and queue clients of the <c>LogsStorage</c> connection — the same setting the triggers' <c>Connection</c>
/// names, read the way the Functions extensions read it: a connection string (Azurite locally), or
/// <c>LogsStorage__blobServiceUri</c> / <c>__queueServiceUri</c> with the managed identity (<c>__clientId</c>) in Azure.
/// </summary>
public sealed class LogsStorage
{
    public const string ConnectionName = "LogsStorage";
    public const string LogsContainer = "logs";
    public const string QuarantineContainer = "quarantine";

    public LogsStorage(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[ConnectionName];
        var section = configuration.GetSection(ConnectionName);
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            Blobs = new BlobServiceClient(connectionString);
            Queues = new QueueServiceClient(connectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
            return;
        }

        var blobUri = section["blobServiceUri"];
        var queueUri = section["queueServiceUri"];
        if (string.IsNullOrWhiteSpace(blobUri) || string.IsNullOrWhiteSpace(queueUri))
        {
            throw new InvalidOperationException(
                $"Set {ConnectionName} to a storage connection string, or {ConnectionName}__blobServiceUri and {ConnectionName}__queueServiceUri for an identity-based connection.");
        }

        var clientId = section["clientId"];
        TokenCredential credential = string.IsNullOrWhiteSpace(clientId)
            ? new DefaultAzureCredential()
            : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        Blobs = new BlobServiceClient(new Uri(blobUri), credential);
        Queues = new QueueServiceClient(new Uri(queueUri), credential, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
    }

    public BlobServiceClient Blobs { get; }

    public QueueServiceClient Queues { get; }
}
