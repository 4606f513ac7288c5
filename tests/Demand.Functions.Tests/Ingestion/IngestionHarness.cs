using System.Net;
using System.Text;
using System.Text.Json;
using Demand.Core;
using Demand.Core.Features;
using Demand.Core.Ingestion;
using Demand.Core.Messaging;
using Demand.Functions.Tests.Infrastructure;
using Demand.Functions.Triggers;
using Demand.Functions.Triggers.IngestLog;
using Demand.Hosting.Envelope;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Tests.Ingestion;

/// <summary>One handler on real HTTP over its own Cosmos database, and the stores to look at what it wrote.</summary>
internal sealed class IngestionHarness : IAsyncDisposable
{
    private readonly HandlerFactory _factory;
    private readonly HttpClient _client;

    private IngestionHarness(HandlerFactory factory, DemandCosmos cosmos)
    {
        _factory = factory;
        _client = factory.CreateHttpClient();
        Cosmos = cosmos;
        Features = new CosmosFeatureStore(cosmos);
        Store = new CosmosIngestionStore(cosmos);
    }

    public DemandCosmos Cosmos { get; }

    public CosmosFeatureStore Features { get; }

    public CosmosIngestionStore Store { get; }

    public static async Task<IngestionHarness> StartAsync(CosmosServerFixture server, Action<IServiceCollection>? configureServices = null)
    {
        var options = server.NewDatabaseOptions();
        var cosmos = await server.CreateDatabaseAsync(options);
        var factory = new HandlerFactory(options, new Dictionary<string, string?> { ["Ingestion:MaxConcurrency"] = "4" }, configureServices);
        return new IngestionHarness(factory, cosmos);
    }

    public Task<IngestCall> IngestAsync(string merchantId, string name, string content) => IngestAsync(merchantId, name, Encoding.UTF8.GetBytes(content));

    public async Task<IngestCall> IngestAsync(string merchantId, string name, byte[] content)
    {
        var uri = new Uri($"https://acct.blob.core.windows.net/logs/{merchantId}/{Uri.EscapeDataString(name).Replace("%2F", "/", StringComparison.Ordinal)}");
        var body = HostPayloads.BlobTrigger(FunctionNames.IngestLog, IngestLogFunction.LogBinding, content, new BlobInfo(
            uri,
            new Dictionary<string, string> { ["merchantId"] = merchantId, ["name"] = name },
            "application/octet-stream",
            DateTimeOffset.UtcNow,
            "0x8D" + content.Length));
        using var request = new ByteArrayContent(body);
        request.Headers.ContentType = new("application/json");
        using var response = await _client.PostAsync(new Uri("/" + FunctionNames.IngestLog, UriKind.Relative), request, TestContext.Current.CancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new IngestCall(response.StatusCode, [], [], [], PartId(merchantId, name, content));
        }

        var parsed = HostOutputs.Parse(bytes);
        var score = parsed.Outputs.TryGetValue(IngestLogFunction.ScoreQueueBinding, out var s) ? HostOutputs.QueueMessages(s) : [];
        var mine = parsed.Outputs.TryGetValue(IngestLogFunction.MineQueueBinding, out var m) ? HostOutputs.QueueMessages(m) : [];
        var rejects = parsed.Outputs.TryGetValue(IngestLogFunction.RejectsBinding, out var r) ? HostOutputs.BlobContent(r) : [];
        return new IngestCall(response.StatusCode, score, mine, rejects, PartId(merchantId, name, content));
    }

    /// <summary>A user's features as stored, without server bookkeeping, for equality checks.</summary>
    public async Task<string?> FeaturesJsonAsync(string merchantId, string userId)
    {
        var features = await Features.GetAsync(merchantId, userId, TestContext.Current.CancellationToken);
        if (features is null)
        {
            return null;
        }

        features.ETag = null;
        return JsonSerializer.Serialize(features, DemandJson.Options);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    private static string PartId(string merchantId, string name, byte[] content) =>
        new PartIdentity(merchantId, name, PartIdentity.HashContent(content)).PartId;
}

internal sealed record IngestCall(HttpStatusCode Status, IReadOnlyList<byte[]> ScoreMessages, IReadOnlyList<byte[]> MineMessages, byte[] Rejects, string PartId)
{
    public IReadOnlyList<ScoreRequest> ScoreRequests => [.. ScoreMessages.Select(m => JsonSerializer.Deserialize<ScoreRequest>(m, DemandJson.Options)!)];

    public IReadOnlyList<MineRequest> MineRequests => [.. MineMessages.Select(m => JsonSerializer.Deserialize<MineRequest>(m, DemandJson.Options)!)];

    public IReadOnlyList<JsonElement> RejectLines => [.. Encoding.UTF8.GetString(Rejects).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
}

/// <summary>Small log builders.</summary>
internal static class Logs
{
    public static string Event(string id, string user, string type, string timestamp = "2026-11-20T10:00:00Z", string extra = "") =>
        $"{{\"eventId\":\"{id}\",\"userId\":\"{user}\",\"type\":\"{type}\",\"timestamp\":\"{timestamp}\"{extra}}}";

    public static string Views(int users, int perUser, string prefix = "u") =>
        string.Concat(Enumerable.Range(0, users * perUser).Select(i =>
            Event("e" + i, prefix + (i % users), i % 4 == 0 ? "purchase" : "view", $"2026-11-{10 + (i % 9):00}T{i % 24:00}:00:00Z",
                $",\"productId\":\"p{i % 17}\",\"categoryId\":\"c{i % 5}\",\"price\":{i % 30}.5") + "\n"));
}

/// <summary>Fails the invocation once, after <paramref name="afterMerged"/> users were merged: a crash half-way.</summary>
internal sealed class CrashOnceProbe(int afterMerged) : IIngestionProbe
{
    private int _crashed;

    public ValueTask UserMergedAsync(string partId, int mergedSoFar, CancellationToken cancellationToken)
    {
        if (mergedSoFar >= afterMerged && Interlocked.Exchange(ref _crashed, 1) == 0)
        {
            throw new InvalidOperationException("Injected crash after " + mergedSoFar + " users merged.");
        }

        return ValueTask.CompletedTask;
    }
}

internal static class FeaturesExtensions
{
    public static double TotalDecayed(this UserFeatures features) => features.Categories.Values.Sum(c => c.Decayed.Sum());
}
