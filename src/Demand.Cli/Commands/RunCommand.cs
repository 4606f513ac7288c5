using System.CommandLine;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Demand.Tooling.Host;
using Demand.Core.Storage;
using Demand.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;

namespace Demand.Cli.Commands;

/// <summary>
/// <c>demand run</c>: the whole system on one machine — cosmosdb-server, Azurite, the local Functions host and the worker —
/// fed with generated sample logs; prints a summary once the queues drain, then serves until Ctrl-C.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var once = new Option<bool>("--once") { Description = "Exit after the summary." };
        var users = new Option<int>("--users") { Description = "Sample shoppers to generate.", DefaultValueFactory = _ => 300 };
        var days = new Option<int>("--days") { Description = "Days of sample logs.", DefaultValueFactory = _ => 14 };
        var port = new Option<int>("--port") { DefaultValueFactory = _ => 7071 };
        var verbose = new Option<bool>("--verbose") { Description = "Show the handler's and the host's logs." };
        var command = new Command("run", "Run Demand end to end locally on generated sample logs.") { once, users, days, port, verbose };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(once), parse.GetValue(users), parse.GetValue(days), parse.GetValue(port), parse.GetValue(verbose), ct));
        return command;
    }

    private static async Task<int> RunAsync(bool once, int users, int days, int port, bool verbose, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning));
        Console.WriteLine("demand run: starting cosmosdb-server");
        await using var cosmosServer = await LocalCosmosServer.StartAsync(RepoPaths.NodeModules(), cancellationToken);
        var cosmosOptions = cosmosServer.Options("demand");
        var settings = CliPaths.LoadHostSettings(Path.Combine(RepoPaths.RepositoryRoot() ?? ".", "local.settings.json"));
        settings["Cosmos__Endpoint"] = cosmosOptions.Endpoint!.ToString();
        settings["Cosmos__Key"] = LocalCosmosServer.Key;
        settings["Cosmos__DatabaseName"] = cosmosOptions.DatabaseName;
        settings["Cosmos__CreateIfNotExists"] = "true";

        // Azurite in memory: each run starts from empty storage, like cosmosdb-server.
        Console.WriteLine("demand run: starting Azurite, the local Functions host and the worker");
        await using var azurite = await CliPaths.EnsureStorageAsync(settings, connection: null, cancellationToken);
        var started = DateTimeOffset.UtcNow;
        await using var host = await LocalFunctionsHost.StartAsync(new LocalHostOptions
        {
            AppDirectory = CliPaths.DefaultAppRoot(),
            Settings = settings,
            HttpPort = port,
            EnableTimerSchedules = !once,
            LoggerFactory = loggerFactory,
        }, cancellationToken);

        var uploaded = await SampleData.UploadAsync(new BlobContainerClient(settings["AzureWebJobsStorage"], "logs"), users, days, cancellationToken);
        Console.WriteLine($"demand run: uploaded {uploaded.Parts} log parts ({uploaded.Bytes / 1024:N0} KiB) for merchant {SampleData.MerchantId}; waiting for the queues to drain");
        await host.WaitForIdleAsync(TimeSpan.FromMinutes(15), cancellationToken);

        using var client = CosmosClientFactory.Create(cosmosOptions);
        var cosmos = new DemandCosmos(client, cosmosOptions.DatabaseName);
        var ok = await PrintSummaryAsync(host, new QueueServiceClient(settings["AzureWebJobsStorage"]), cosmos, DateTimeOffset.UtcNow - started, cancellationToken);
        if (once)
        {
            return ok ? 0 : 1;
        }

        var key = await new CosmosMerchantStore(cosmos, TimeProvider.System).AddKeyAsync(SampleData.MerchantId, cancellationToken);
        var sampleUser = await FirstUserAsync(cosmos.Profiles, cancellationToken);
        Console.WriteLine($"Serving http://127.0.0.1:{port}/api (Ctrl-C to stop). An API key for merchant {SampleData.MerchantId} (shown once):");
        Console.WriteLine($"  curl -H 'X-Api-Key: {key}' http://127.0.0.1:{port}/api/v1/merchants/{SampleData.MerchantId}/users/{sampleUser ?? "<userId>"}/profile");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }

    private static async Task<bool> PrintSummaryAsync(LocalFunctionsHost host, QueueServiceClient queues, DemandCosmos cosmos, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        Console.WriteLine();
        Console.WriteLine($"Demand local run — {elapsed.TotalSeconds:N1} s");
        Console.WriteLine(new string('-', 60));
        Console.WriteLine($"{"invocations",-40}{"count",20}");
        foreach (var (name, statistics) in host.Statistics.OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {name + ".succeeded",-38}{statistics.Succeeded,20:N0}");
            Console.WriteLine($"  {name + ".failed",-38}{statistics.Failed,20:N0}");
        }

        Console.WriteLine($"{"queues (left / poison)",-40}");
        var queueCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var queue in queues.GetQueuesAsync(cancellationToken: cancellationToken))
        {
            queueCounts[queue.Name] = (await queues.GetQueueClient(queue.Name).GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            Console.WriteLine($"  {queue.Name,-38}{queueCounts[queue.Name],20:N0}");
        }

        Console.WriteLine($"{"Cosmos documents",-40}");
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, _) in Containers.All)
        {
            counts[name] = await CountAsync(cosmos.Database.GetContainer(name), cancellationToken);
            Console.WriteLine($"  {name,-38}{counts[name],20:N0}");
        }

        var sample = await FirstAsync(cosmos.Profiles, cancellationToken);
        if (sample is not null)
        {
            var profile = JsonDocument.Parse(sample).RootElement;
            Console.WriteLine($"Sample profile of {profile.GetProperty("userId").GetString()} (model {profile.GetProperty("modelVersion")}):");
            foreach (var category in profile.GetProperty("categories").EnumerateArray().Take(3))
            {
                var reason = category.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("signal").GetString()).FirstOrDefault() ?? "-";
                var next = category.TryGetProperty("expectedNextPurchase", out var n) ? n.GetString() : "-";
                Console.WriteLine($"  {category.GetProperty("categoryId").GetString(),-22} p={category.GetProperty("propensity").GetDouble(),6:F3}  next={next,-10}  because: {reason}");
            }

            foreach (var need in profile.GetProperty("needs").EnumerateArray().Take(3))
            {
                Console.WriteLine($"  need: {need.GetProperty("need").GetString()} ({need.GetProperty("polarity").GetString()}) — \"{need.GetProperty("evidence")[0].GetProperty("text").GetString()}\"");
            }
        }

        var poison = queueCounts.Where(q => q.Key.EndsWith("-poison", StringComparison.Ordinal)).Sum(q => q.Value);
        var ok = (host.Statistics.TryGetValue("IngestLog", out var ingest) ? ingest.Succeeded : 0) > 0 && counts[Containers.Features] > 0 && poison == 0;
        Console.WriteLine(new string('-', 60));
        Console.WriteLine(ok ? "OK: logs went blob -> IngestLog -> Cosmos and every queue drained." : "NOT OK: see the counts above (run with --verbose for logs).");
        return ok;
    }

    private static async Task<int> CountAsync(Container container, CancellationToken cancellationToken)
    {
        var count = 0;
        using var feed = container.GetItemQueryStreamIterator(queryText: null);
        while (feed.HasMoreResults)
        {
            using var page = await feed.ReadNextAsync(cancellationToken);
            using var doc = await JsonDocument.ParseAsync(page.Content, cancellationToken: cancellationToken);
            count += doc.RootElement.GetProperty("Documents").GetArrayLength();
        }

        return count;
    }

    private static async Task<string?> FirstUserAsync(Container container, CancellationToken cancellationToken)
    {
        var json = await FirstAsync(container, cancellationToken);
        return json is null ? null : JsonDocument.Parse(json).RootElement.GetProperty("userId").GetString();
    }

    private static async Task<string?> FirstAsync(Container container, CancellationToken cancellationToken)
    {
        using var feed = container.GetItemQueryStreamIterator(queryText: null);
        while (feed.HasMoreResults)
        {
            using var page = await feed.ReadNextAsync(cancellationToken);
            using var doc = await JsonDocument.ParseAsync(page.Content, cancellationToken: cancellationToken);
            foreach (var item in doc.RootElement.GetProperty("Documents").EnumerateArray())
            {
                return JsonSerializer.Serialize(item, new JsonSerializerOptions { WriteIndented = true });
            }
        }

        return null;
    }
}
