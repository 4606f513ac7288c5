using System.Net;
using System.Text;
using Demand.Hosting.Envelope;

namespace Demand.Functions.Tests.Infrastructure;

/// <summary>Calls trigger routes over real HTTP with bodies shaped exactly as the Functions host sends them.</summary>
internal static class Invocations
{
    public static async Task<(HttpStatusCode Status, HostResponse? Response)> PostAsync(HttpClient client, string function, byte[] body, CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var response = await client.PostAsync(new Uri("/" + function, UriKind.Relative), content, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return (response.StatusCode, response.IsSuccessStatusCode ? HostOutputs.Parse(bytes) : null);
    }

    public static Task<(HttpStatusCode Status, HostResponse? Response)> BlobAsync(HttpClient client, string merchantId, string name, byte[] content, CancellationToken cancellationToken) =>
        PostAsync(client, "IngestLog", HostPayloads.BlobTrigger("IngestLog", "log", content, new BlobInfo(
            new Uri($"https://acct.blob.core.windows.net/logs/{merchantId}/{name}"),
            new Dictionary<string, string> { ["merchantId"] = merchantId, ["name"] = name },
            "application/octet-stream", DateTimeOffset.UtcNow, "0x8DC")), cancellationToken);

    public static Task<(HttpStatusCode Status, HostResponse? Response)> QueueAsync(HttpClient client, string function, string message, CancellationToken cancellationToken, long dequeueCount = 1, string? messageId = null) =>
        PostAsync(client, function, HostPayloads.QueueTrigger(function, "request", message, new QueueMessageInfo(messageId ?? Guid.NewGuid().ToString(), dequeueCount, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(7), DateTimeOffset.UtcNow, "pop")), cancellationToken);

    public static IReadOnlyList<string> Messages(this HostResponse response, string binding) =>
        response.Outputs.TryGetValue(binding, out var value) ? HostOutputs.QueueMessages(value).Select(m => Encoding.UTF8.GetString(m)).ToList() : [];

    public static string? Blob(this HostResponse response, string binding) =>
        response.Outputs.TryGetValue(binding, out var value) ? Encoding.UTF8.GetString(HostOutputs.BlobContent(value)) : null;
}
