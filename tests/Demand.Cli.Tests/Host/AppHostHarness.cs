using Demand.Cli.Commands;
using Demand.Testing;
using Demand.Tooling.Host;
using Demand.Tooling.Local;

namespace Demand.Cli.Tests.Host;

/// <summary>The Demand app under the local Functions host, on its own Azurite and Cosmos database.</summary>
internal sealed class AppHostHarness : IAsyncDisposable
{
    private AppHostHarness(AzuriteServer azurite, LocalFunctionsHost host, Dictionary<string, string> settings)
    {
        Azurite = azurite;
        Host = host;
        Settings = settings;
    }

    public AzuriteServer Azurite { get; }

    public LocalFunctionsHost Host { get; }

    public IReadOnlyDictionary<string, string> Settings { get; }

    public static async Task<AppHostHarness> StartAsync(CosmosServerFixture cosmos, string? appRoot = null, IDictionary<string, string?>? extra = null, CancellationToken cancellationToken = default)
    {
        var settings = HandlerSettings.ForCosmos(cosmos.NewDatabaseOptions())
            .Where(kv => kv.Value is not null)
            .ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value!, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            if (value is not null)
            {
                settings[key] = value;
            }
        }

        var azurite = await AzuriteServer.StartAsync(null, cancellationToken);
        settings["AzureWebJobsStorage"] = azurite.ConnectionString;
        settings["LogsStorage"] = azurite.ConnectionString;
        try
        {
            var host = await LocalFunctionsHost.StartAsync(new LocalHostOptions
            {
                AppDirectory = appRoot ?? CliPaths.DefaultAppRoot(),
                Settings = settings,
                HttpPort = 0,
                EnableTimerSchedules = false,
            }, cancellationToken);
            return new AppHostHarness(azurite, host, settings);
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}
