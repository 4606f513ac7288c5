using Demand.Core.Identifiers;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Azure.Storage.Blobs;
using Demand.Core.Merchants;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Demand.Tooling.Host;
using Demand.Tooling.Synthetic;
using Microsoft.Playwright;

namespace Demand.Dashboard.Tests;

/// <summary>
/// One deployment and one browser for the whole assembly: the app as <see cref="LocalDemandApp"/> runs it for the
/// EndToEnd suite too (cosmosdb-server, Azurite, the unmodified worker under the local host), a generated market for <see cref="MerchantId"/> ingested and scored (the nightly run included, for
/// segments and the forecast), and Debian's chromium launched by path. Tests open their own browser contexts (own
/// cookies) and sign in with their own dashboard keys; tests that change data use their own shoppers.
/// </summary>
public sealed class DashboardApp : IAsyncLifetime
{
    public const string MerchantId = "mdash";
    public const string ChromiumPath = "/usr/bin/chromium";

    private LocalDemandApp? _app;
    private IPlaywright? _playwright;

    public LocalFunctionsHost Host => _app?.Host ?? throw new InvalidOperationException("Not started.");

    public DemandCosmos Db => _app?.Db ?? throw new InvalidOperationException("Not started.");

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The dashboard's page, on "localhost": a secure context for Chromium, so it keeps the Secure cookie over http.</summary>
    public Uri Dashboard => new($"http://localhost:{Host.HttpBaseAddress.Port}/api/dashboard");

    public Uri Api => new($"http://localhost:{Host.HttpBaseAddress.Port}/api/");

    /// <summary>Screenshots and other artefacts of the run (bin/…/artifacts/dashboard).</summary>
    public static string Artifacts { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts", "dashboard")).FullName;

    public async ValueTask InitializeAsync()
    {
        _app = await LocalDemandApp.StartAsync(
            "dashboard",
            new Dictionary<string, string> { ["Dashboard__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) },
            null,
            CancellationToken.None);

        // The nightly run visits the merchants that exist (have keys): create this one first, as an operator would.
        await new CosmosMerchantStore(Db, TimeProvider.System).AddKeyAsync(Demand.Core.Identifiers.MerchantId.Parse(MerchantId), CancellationToken.None);
        await UploadMarketAsync(new BlobServiceClient(_app.StorageConnectionString));
        await Host.WaitForIdleAsync(TimeSpan.FromMinutes(5), CancellationToken.None);
        var nightly = await Host.TriggerAsync("NightlyRescore", CancellationToken.None);
        await Host.WaitForIdleAsync(TimeSpan.FromMinutes(5), CancellationToken.None);
        var failed = Host.Outcomes.Where(o => !o.Succeeded).Select(o => o.FunctionName + ": " + o.Error).ToList();
        if (!nightly.Succeeded || failed.Count > 0)
        {
            throw new InvalidOperationException("Preparing the market failed: " + nightly.Error + " " + string.Join(" | ", failed));
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root in a container has no user namespaces for Chromium's sandbox.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A new dashboard key (dd.…) of <paramref name="merchantId"/>.</summary>
    public Task<string> DashboardKeyAsync(string merchantId, CancellationToken cancellationToken) =>
        new CosmosMerchantStore(Db, TimeProvider.System).AddKeyAsync(Demand.Core.Identifiers.MerchantId.Parse(merchantId), KeyScope.Dashboard, cancellationToken);

    /// <summary>Uploads one log part of <paramref name="merchantId"/> as a merchant would and waits until the host has ingested it; answers the blob's last-modified time.</summary>
    public async Task<DateTimeOffset> UploadPartAsync(string merchantId, string name, byte[] content, CancellationToken cancellationToken)
    {
        var container = new BlobServiceClient(_app!.StorageConnectionString).GetBlobContainerClient("logs");
        var blob = container.GetBlobClient(merchantId + "/" + name);
        var uploaded = (await blob.UploadAsync(new BinaryData(content), overwrite: true, cancellationToken)).Value.LastModified;
        await Host.WaitForIdleAsync(TimeSpan.FromMinutes(2), cancellationToken);
        return uploaded;
    }

    /// <summary>An API client with a new storefront key of <paramref name="merchantId"/>: what the API answers, to compare the pages with.</summary>
    public async Task<HttpClient> ApiClientAsync(string merchantId, CancellationToken cancellationToken)
    {
        var key = await new CosmosMerchantStore(Db, TimeProvider.System).AddKeyAsync(Demand.Core.Identifiers.MerchantId.Parse(merchantId), cancellationToken);
        var client = new HttpClient { BaseAddress = Api, Timeout = TimeSpan.FromMinutes(2) };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>Two weeks of a small generated market, uploaded part by part as a merchant would.</summary>
    private static async Task UploadMarketAsync(BlobServiceClient blobs)
    {
        var staging = Directory.CreateTempSubdirectory("demand-dashboard-").FullName;
        try
        {
            var options = new MarketOptions { MerchantId = MerchantId, Users = 100, Days = 14, Start = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-14) };
            var summary = MarketWriter.Write(options, staging, gzip: true);
            var logs = Path.Combine(staging, "logs");
            var container = blobs.GetBlobContainerClient("logs");
            await container.CreateIfNotExistsAsync();
            foreach (var file in summary.Files)
            {
                await using var stream = File.OpenRead(file);
                await container.GetBlobClient(Path.GetRelativePath(logs, file).Replace('\\', '/')).UploadAsync(stream, overwrite: true);
            }
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }
}
