using Demand.Tooling;
using System.CommandLine;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Demand.Core.Merchants;
using Demand.Core.Storage;
using Demand.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Tooling.Host;
using Demand.Tooling.Local;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Logging;

namespace Demand.Cli.Commands;

/// <summary>
/// <c>demand run</c>: the whole system on one machine — cosmosdb-server, Azurite, the local Functions host driving the
/// real worker — fed with generated sample logs uploaded as a merchant would; prints a summary once the queues drain,
/// then serves until Ctrl-C.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var once = new Option<bool>("--once") { Description = "Exit after the summary." };
        var users = new Option<int>("--users") { Description = "Sample shoppers to generate.", DefaultValueFactory = _ => 300 };
        var days = new Option<int>("--days") { Description = "Days of sample logs.", DefaultValueFactory = _ => 14 };
        var port = new Option<int>("--port") { DefaultValueFactory = _ => 7071 };
        var verbose = new Option<bool>("--verbose") { Description = "Show the host's and the worker's logs." };
        var command = new Command("run", "Run Demand end to end locally on generated sample logs.") { once, users, days, port, verbose };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(once), parse.GetValue(users), parse.GetValue(days), parse.GetValue(port), parse.GetValue(verbose), ct));
        return command;
    }

    private static async Task<int> RunAsync(bool once, int users, int days, int port, bool verbose, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(b => b
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning));

        // Both emulators keep data in memory, so every run starts from empty storage.
        Console.WriteLine("demand run: starting cosmosdb-server and Azurite");
        var nodeModules = RepoPaths.NodeModules();
        await using var cosmosServer = await LocalCosmosServer.StartAsync(nodeModules, cancellationToken);
        await using var azurite = await AzuriteServer.StartAsync(nodeModules, cancellationToken);
        var cosmosOptions = cosmosServer.Options("demand");
        var settings = LocalSettings(cosmosOptions, azurite.ConnectionString);

        Console.WriteLine("demand run: starting the local Functions host and the worker");
        var started = DateTimeOffset.UtcNow;
        await using var host = await LocalFunctionsHost.StartAsync(
            new LocalHostOptions { AppDirectory = CliPaths.DefaultAppRoot(), Settings = settings, HttpPort = port, EnableTimerSchedules = !once, LoggerFactory = loggerFactory },
            cancellationToken);

        var blobs = new BlobServiceClient(azurite.ConnectionString);
        var uploaded = await SampleData.UploadAsync(blobs, users, days, cancellationToken);
        Console.WriteLine($"demand run: uploaded {uploaded.Parts} log parts ({uploaded.Bytes / 1024:N0} KiB) for merchant {SampleData.MerchantId}; waiting for the queues to drain");
        await host.WaitForIdleAsync(TimeSpan.FromMinutes(15), cancellationToken);

        using var client = CosmosClientFactory.Create(cosmosOptions);
        var cosmos = new DemandCosmos(client, cosmosOptions.DatabaseName);
        var queues = new QueueServiceClient(azurite.ConnectionString);
        var ok = await PrintSummaryAsync(host, cosmos, queues, DateTimeOffset.UtcNow - started, cancellationToken);
        if (once)
        {
            return ok ? 0 : 1;
        }

        // Keys first (the nightly run visits merchants that exist), then segments and the demand forecast, which the
        // nightly run builds: now, so the dashboard has them.
        var merchants = new CosmosMerchantStore(cosmos, TimeProvider.System);
        var key = await merchants.AddKeyAsync(SampleData.MerchantId, cancellationToken);
        var dashboardKey = await merchants.AddKeyAsync(SampleData.MerchantId, KeyScope.Dashboard, cancellationToken);
        Console.WriteLine("demand run: building segments and the demand forecast (the nightly run)");
        await host.TriggerAsync("NightlyRescore", cancellationToken);
        await host.WaitForIdleAsync(TimeSpan.FromMinutes(15), cancellationToken);
        var sampleUser = await FirstUserAsync(cosmos.Profiles, cancellationToken);
        var api = new Uri(host.HttpBaseAddress, "api/");
        Console.WriteLine($"Serving {api} (Ctrl-C to stop). Azurite: {azurite.BlobServiceUri} (connection string below). An API key for merchant {SampleData.MerchantId} (shown once):");
        Console.WriteLine($"  curl -H 'X-Api-Key: {key}' {api}v1/merchants/{SampleData.MerchantId}/users/{sampleUser ?? "<userId>"}/profile");
        Console.WriteLine($"  upload more logs to container 'logs' at {SampleData.MerchantId}/<day>/<part>.jsonl with: {azurite.ConnectionString}");
        Console.WriteLine($"Dashboard: {api}dashboard — sign in with the dashboard key {dashboardKey}");
        Console.WriteLine($"  or open this sign-in link within {SignInLinkMinutes} minutes: {SignInLink(api, settings, dashboardKey)}");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }

    private const int SignInLinkMinutes = 15;

    /// <summary>A link that signs in with <paramref name="dashboardKey"/> without showing the key to the page.</summary>
    private static Uri SignInLink(Uri api, Dictionary<string, string> settings, string dashboardKey)
    {
        ApiKeys.TryParse(dashboardKey, KeyScope.Dashboard, out var merchantId, out var keyId, out _);
        var ticket = DashboardTokens.Issue(
            Convert.FromBase64String(settings["Dashboard__SigningKey"]), DashboardTokens.SignInPurpose, merchantId, keyId, DateTimeOffset.UtcNow.AddMinutes(SignInLinkMinutes));
        return new Uri(api, "dashboard/sign-in?ticket=" + Uri.EscapeDataString(ticket));
    }

    /// <summary>local.settings.json's values (the sample's when there is none), pointed at this run's emulators.</summary>
    private static Dictionary<string, string> LocalSettings(CosmosOptions cosmos, string storage)
    {
        var root = RepoPaths.RepositoryRoot() ?? ".";
        var file = Path.Combine(root, "local.settings.json");
        var settings = CliPaths.LoadHostSettings(File.Exists(file) ? file : Path.Combine(root, "local.settings.sample.json"));
        settings["AzureWebJobsStorage"] = storage;
        settings["LogsStorage"] = storage;
        settings["Cosmos__Endpoint"] = cosmos.Endpoint!.ToString();
        settings["Cosmos__Key"] = cosmos.Key!;
        settings["Cosmos__DatabaseName"] = cosmos.DatabaseName;
        settings["Cosmos__CreateIfNotExists"] = "true";
        if (!settings.TryGetValue("Dashboard__SigningKey", out var signing) || string.IsNullOrWhiteSpace(signing))
        {
            // A fresh key per run: sessions of an earlier run end with it.
            settings["Dashboard__SigningKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        }

        return settings;
    }

    private static async Task<bool> PrintSummaryAsync(LocalFunctionsHost host, DemandCosmos cosmos, QueueServiceClient queues, TimeSpan elapsed, CancellationToken cancellationToken)
    {
        Console.WriteLine();
        Console.WriteLine($"Demand local run — {elapsed.TotalSeconds:N1} s");
        Console.WriteLine(new string('-', 60));
        Console.WriteLine($"{"invocations (succeeded / failed)",-40}");
        var http = host.Functions.Where(f => f.Trigger == TriggerKind.Http).Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, stats) in host.Statistics.Where(s => !http.Contains(s.Key) || s.Value.Invocations > 0).OrderBy(k => k.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {name,-38}{stats.Succeeded,10:N0}{stats.Failed,10:N0}");
        }

        Console.WriteLine($"{"queues (messages left)",-40}");
        var poison = 0;
        await foreach (var queue in queues.GetQueuesAsync(cancellationToken: cancellationToken))
        {
            var left = (await queues.GetQueueClient(queue.Name).GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            poison += queue.Name.EndsWith("-poison", StringComparison.Ordinal) ? left : 0;
            Console.WriteLine($"  {queue.Name,-38}{left,20:N0}");
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

        var failed = host.Statistics.Values.Sum(s => s.Failed);
        var ingested = host.Statistics.TryGetValue("IngestLog", out var ingest) ? ingest.Succeeded : 0;
        var ok = ingested > 0 && counts[Containers.Features] > 0 && counts[Containers.Profiles] > 0 && poison == 0 && failed == 0;
        Console.WriteLine(new string('-', 60));
        Console.WriteLine(ok
            ? "OK: logs went blob -> IngestLog -> Cosmos -> ScoreUsers/MineReviews through the worker, and every queue drained."
            : "NOT OK: see the counts above (run with --verbose for the host's and the worker's logs).");
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
