using Demand.Core.Identifiers;
using Demand.Tooling;
using System.Net.Http.Headers;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Demand.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Tooling.Host;
using Demand.Tooling.Local;
using Microsoft.Extensions.Logging;

namespace Demand.EndToEnd.Tests;

/// <summary>
/// One deployment for the whole assembly, as Azure would run it: cosmosdb-server, Azurite, and the unmodified Demand
/// worker driven by <see cref="LocalFunctionsHost"/> over the host↔worker protocol. Tests share it and own their data
/// by using their own merchant ids (<see cref="NewMerchantAsync"/>).
/// </summary>
public sealed class DemandAppFixture : IAsyncLifetime
{
    /// <summary>Low enough for a test to reach within a minute, high enough that no other test ever does.</summary>
    public const int RequestsPerMinutePerKey = 60;

    /// <summary>The host's request body limit (Azure's app setting FUNCTIONS_REQUEST_BODY_SIZE_LIMIT), small enough to probe cheaply.</summary>
    public const int RequestBodyLimit = 8 << 20;

    private LocalCosmosServer? _cosmos;
    private AzuriteServer? _azurite;
    private LocalFunctionsHost? _host;
    private CosmosOptions? _cosmosOptions;
    private ILoggerFactory? _loggers;

    public LocalFunctionsHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public DemandCosmos Db { get; private set; } = null!;

    public BlobServiceClient Blobs { get; private set; } = null!;

    /// <summary>Base64 messages, as the Functions host reads and writes them (host.json messageEncoding default).</summary>
    public QueueServiceClient Queues { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var nodeModules = RepoPaths.NodeModules();
        _cosmos = await LocalCosmosServer.StartAsync(nodeModules, CancellationToken.None);
        _azurite = await AzuriteServer.StartAsync(nodeModules, CancellationToken.None);
        _cosmosOptions = _cosmos.Options("e2e");
        Blobs = new BlobServiceClient(_azurite.ConnectionString);
        Queues = new QueueServiceClient(_azurite.ConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await Blobs.GetBlobContainerClient("logs").CreateIfNotExistsAsync();

        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["LogsStorage"] = _azurite.ConnectionString,
            ["Cosmos__Endpoint"] = _cosmosOptions.Endpoint!.ToString(),
            ["Cosmos__Key"] = _cosmosOptions.Key!,
            ["Cosmos__DatabaseName"] = _cosmosOptions.DatabaseName,
            ["Cosmos__CreateIfNotExists"] = "true",
            ["Cosmos__AllowBulkExecution"] = "false",
            ["Api__RequestsPerMinutePerKey"] = RequestsPerMinutePerKey.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Api__KeyCacheSeconds"] = "30",
            ["Mining__Miner"] = "lexicon",
            ["FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"] = RequestBodyLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        _loggers = LoggerFactory.Create(b => b.AddProvider(new FileLoggerProvider(Path.Combine(AppContext.BaseDirectory, "e2e-host.log"))));
        _host = await LocalFunctionsHost.StartAsync(
            new LocalHostOptions { AppDirectory = AppDirectory(), Settings = settings, HttpPort = 0, EnableTimerSchedules = false, LoggerFactory = _loggers },
            CancellationToken.None);
        Http = new HttpClient { BaseAddress = _host.HttpBaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        Db = new DemandCosmos(CosmosClientFactory.Create(_cosmosOptions), _cosmosOptions.DatabaseName);
        await Db.EnsureCreatedAsync(CancellationToken.None);
    }

    /// <summary>A fresh merchant with one API key; the returned client sends it.</summary>
    public async Task<(string MerchantId, string Key, HttpClient Client)> NewMerchantAsync(CancellationToken cancellationToken)
    {
        var merchantId = "m" + Guid.NewGuid().ToString("N")[..10];
        var key = await new CosmosMerchantStore(Db, TimeProvider.System).AddKeyAsync(MerchantId.Parse(merchantId), cancellationToken);
        var client = new HttpClient { BaseAddress = Host.HttpBaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return (merchantId, key, client);
    }

    public async Task UploadAsync(string merchantId, string name, byte[] content, CancellationToken cancellationToken) =>
        await Blobs.GetBlobContainerClient("logs").GetBlobClient(merchantId + "/" + name).UploadAsync(BinaryData.FromBytes(content), overwrite: true, cancellationToken);

    public Task WaitForIdleAsync(CancellationToken cancellationToken) => Host.WaitForIdleAsync(TimeSpan.FromMinutes(3), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        Db?.Client.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }

        if (_cosmos is not null)
        {
            await _cosmos.DisposeAsync();
        }

        _loggers?.Dispose();
    }

    /// <summary>The worker's build output in the test's own configuration (host.json, worker.config.json, functions.metadata).</summary>
    private static string AppDirectory()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var root = RepoPaths.RepositoryRoot() ?? throw new InvalidOperationException("Demand.sln not found above the test's folder.");
        return Path.Combine(root, "src", "Demand.Functions", "bin", configuration, "net10.0");
    }
}
