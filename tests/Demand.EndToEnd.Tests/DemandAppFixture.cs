using Demand.Core.Identifiers;
using System.Net.Http.Headers;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Demand.Tooling.Host;
using Microsoft.Extensions.Logging;

namespace Demand.EndToEnd.Tests;

/// <summary>
/// One deployment for the whole assembly, as Azure would run it (<see cref="LocalDemandApp"/>: cosmosdb-server, Azurite,
/// and the unmodified Demand worker driven by <see cref="LocalFunctionsHost"/> over the host↔worker protocol). Tests
/// share it and own their data by using their own merchant ids (<see cref="NewMerchantAsync"/>).
/// </summary>
public sealed class DemandAppFixture : IAsyncLifetime
{
    /// <summary>Low enough for a test to reach within a minute, high enough that no other test ever does.</summary>
    public const int RequestsPerMinutePerKey = 60;

    private LocalDemandApp? _app;
    private ILoggerFactory? _loggers;

    public LocalFunctionsHost Host => _app?.Host ?? throw new InvalidOperationException("Not started.");

    public DemandCosmos Db => _app?.Db ?? throw new InvalidOperationException("Not started.");

    public BlobServiceClient Blobs { get; private set; } = null!;

    /// <summary>Base64 messages, as the Functions host reads and writes them (host.json messageEncoding default).</summary>
    public QueueServiceClient Queues { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _loggers = LoggerFactory.Create(b => b.AddProvider(new FileLoggerProvider(Path.Combine(AppContext.BaseDirectory, "e2e-host.log"))));
        _app = await LocalDemandApp.StartAsync(
            "e2e",
            new Dictionary<string, string>
            {
                ["Api__RequestsPerMinutePerKey"] = RequestsPerMinutePerKey.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Api__KeyCacheSeconds"] = "30",
            },
            _loggers,
            CancellationToken.None);
        Blobs = new BlobServiceClient(_app.StorageConnectionString);
        Queues = new QueueServiceClient(_app.StorageConnectionString, new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });
        await Blobs.GetBlobContainerClient("logs").CreateIfNotExistsAsync();
        Http = new HttpClient { BaseAddress = Host.HttpBaseAddress, Timeout = TimeSpan.FromMinutes(2) };
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
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _loggers?.Dispose();
    }
}
