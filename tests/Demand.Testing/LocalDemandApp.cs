using Demand.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Tooling;
using Demand.Tooling.Host;
using Demand.Tooling.Local;
using Microsoft.Extensions.Logging;

namespace Demand.Testing;

/// <summary>
/// The deployed shape, locally, for the suites that drive the real app (EndToEnd, Dashboard): cosmosdb-server, Azurite
/// and the unmodified Demand worker (its own build output) under <see cref="LocalFunctionsHost"/>, with the settings
/// every such suite needs; a suite adds its own (rate limits, the dashboard's signing key). Stopped in reverse order.
/// </summary>
public sealed class LocalDemandApp : IAsyncDisposable
{
    private LocalCosmosServer? _cosmos;
    private AzuriteServer? _azurite;
    private LocalFunctionsHost? _host;

    private LocalDemandApp()
    {
    }

    public LocalFunctionsHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public DemandCosmos Db { get; private set; } = null!;

    public string StorageConnectionString => _azurite?.ConnectionString ?? throw new InvalidOperationException("Not started.");

    /// <param name="databaseName">The Cosmos database of this suite.</param>
    /// <param name="settings">App settings added to (or replacing) the common ones.</param>
    public static async Task<LocalDemandApp> StartAsync(string databaseName, IReadOnlyDictionary<string, string> settings, ILoggerFactory? loggers, CancellationToken cancellationToken)
    {
        var app = new LocalDemandApp();
        try
        {
            var nodeModules = RepoPaths.NodeModules();
            app._cosmos = await LocalCosmosServer.StartAsync(nodeModules, cancellationToken);
            app._azurite = await AzuriteServer.StartAsync(nodeModules, cancellationToken);
            var cosmosOptions = app._cosmos.Options(databaseName);
            var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["AzureWebJobsStorage"] = app._azurite.ConnectionString,
                ["LogsStorage"] = app._azurite.ConnectionString,
                ["Cosmos__Endpoint"] = cosmosOptions.Endpoint!.ToString(),
                ["Cosmos__Key"] = cosmosOptions.Key!,
                ["Cosmos__DatabaseName"] = cosmosOptions.DatabaseName,
                ["Cosmos__CreateIfNotExists"] = "true",
                ["Cosmos__AllowBulkExecution"] = "false",
                ["Mining__Miner"] = "lexicon",
            };
            foreach (var (key, value) in settings)
            {
                all[key] = value;
            }

            app._host = await LocalFunctionsHost.StartAsync(
                new LocalHostOptions { AppDirectory = AppDirectory(), Settings = all, HttpPort = 0, EnableTimerSchedules = false, LoggerFactory = loggers },
                cancellationToken);
            app.Db = new DemandCosmos(CosmosClientFactory.Create(cosmosOptions), cosmosOptions.DatabaseName);
            await app.Db.EnsureCreatedAsync(cancellationToken);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
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
