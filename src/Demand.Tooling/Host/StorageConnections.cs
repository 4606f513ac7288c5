using System.Collections.Concurrent;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Demand.Tooling.Host;

/// <summary>
/// Resolves a binding's <c>connection</c> setting name to storage clients the way the host does: a connection
/// string in <c>name</c> (or <c>AzureWebJobsname</c>), or identity-based <c>name__queueServiceUri</c> /
/// <c>name__blobServiceUri</c>. Queue clients do no message encoding: the host does it, so poison copies stay byte-identical.
/// </summary>
internal sealed class StorageConnections(IReadOnlyDictionary<string, string> settings)
{
    private readonly ConcurrentDictionary<string, QueueServiceClient> _queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, BlobServiceClient> _blobs = new(StringComparer.OrdinalIgnoreCase);

    public QueueServiceClient Queues(string connection) => _queues.GetOrAdd(connection, name =>
    {
        var options = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.None };
        if (ConnectionString(name) is { } connectionString)
        {
            return new QueueServiceClient(connectionString, options);
        }

        return ServiceUri(name, "queueServiceUri") is { } uri
            ? new QueueServiceClient(uri, new DefaultAzureCredential(), options)
            : throw Missing(name, "queueServiceUri");
    });

    public BlobServiceClient Blobs(string connection) => _blobs.GetOrAdd(connection, name =>
    {
        if (ConnectionString(name) is { } connectionString)
        {
            return new BlobServiceClient(connectionString);
        }

        return ServiceUri(name, "blobServiceUri") is { } uri
            ? new BlobServiceClient(uri, new DefaultAzureCredential())
            : throw Missing(name, "blobServiceUri");
    });

    public QueueClient Queue(string connection, string queueName) => Queues(connection).GetQueueClient(queueName);

    private string? ConnectionString(string name) =>
        settings.TryGetValue(name, out var value) && value.Length > 0 ? value
        : settings.TryGetValue("AzureWebJobs" + name, out var prefixed) && prefixed.Length > 0 ? prefixed
        : null;

    private Uri? ServiceUri(string name, string suffix) =>
        settings.TryGetValue($"{name}__{suffix}", out var value) && Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : null;

    private static InvalidOperationException Missing(string name, string suffix) =>
        new($"Storage connection '{name}' is not configured: set the app setting '{name}' to a connection string or '{name}__{suffix}' to a service URI.");
}
