using Demand.Core.Storage;
using Demand.Functions.Dashboard;
using Demand.Functions.Ingestion;
using Demand.Functions.Merchants;
using Demand.Functions.Mining;
using Demand.Functions.Nightly;
using Demand.Functions.Scoring;
using Demand.Functions.Training;
using Demand.Infrastructure;
using Demand.Infrastructure.Cosmos;
using Demand.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Demand.Functions.Tests.Infrastructure;

/// <summary>
/// The Functions app's own registrations (<c>AddDemandStorage</c>, <c>AddIngestion</c>, … as Program.cs calls them)
/// over an in-memory configuration and a fresh Cosmos database, started like the worker starts them: options
/// validated, hosted services run (the Cosmos database and containers are created). Tests call the use cases and the
/// named HTTP handlers in process; the host side (triggers, output bindings, middleware over HTTP) is covered end to
/// end through the local Functions host.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    private readonly ServiceProvider _provider;
    private readonly List<IHostedService> _started = [];

    private TestApp(ServiceProvider provider, CosmosOptions cosmos, CapturingQuarantine quarantine, CapturingLoggerProvider logs)
    {
        _provider = provider;
        Cosmos = cosmos;
        Quarantine = quarantine;
        Logs = logs;
    }

    public IServiceProvider Services => _provider;

    public CosmosOptions Cosmos { get; }

    /// <summary>Rejected rows the app wrote, instead of the real blob quarantine.</summary>
    public CapturingQuarantine Quarantine { get; }

    public CapturingLoggerProvider Logs { get; }

    public DemandCosmos Db => Services.GetRequiredService<DemandCosmos>();

    public T Get<T>()
        where T : notnull => Services.GetRequiredService<T>();

    /// <summary>A function class, constructed from the app's registrations as the worker does.</summary>
    public T Function<T>() => ActivatorUtilities.CreateInstance<T>(Services);

    /// <summary>The configuration keys a test app gets: its own Cosmos database, the shipped model, the offline miner.</summary>
    public static Dictionary<string, string?> Settings(CosmosOptions cosmos) => new()
    {
        ["Cosmos:Endpoint"] = cosmos.Endpoint!.ToString(),
        ["Cosmos:Key"] = cosmos.Key,
        ["Cosmos:DatabaseName"] = cosmos.DatabaseName,
        ["Cosmos:CreateIfNotExists"] = "true",
        // Clients are only constructed from it; nothing here talks to storage (the quarantine is replaced below).
        ["LogsStorage"] = "UseDevelopmentStorage=true",
        ["Model:Path"] = "models/demand-mlp.onnx",
        ["Mining:Miner"] = "lexicon",
    };

    /// <summary>The app's service collection, as Program.cs builds it, plus logging (which the worker adds).</summary>
    public static ServiceCollection AppServices(IConfiguration configuration, ILoggerProvider? logs = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging(b =>
        {
            b.SetMinimumLevel(LogLevel.Information);
            if (logs is not null)
            {
                b.AddProvider(logs);
            }
        });
        services
            .AddDemandStorage(configuration)
            .AddIngestion(configuration)
            .AddScoring(configuration)
            .AddMining(configuration)
            .AddNightly(configuration)
            .AddTraining(configuration)
            .AddMerchantApi(configuration)
            .AddDashboard(configuration);
        return services;
    }

    /// <summary>
    /// Starts the app on <paramref name="cosmos"/> (a database of its own: <see cref="CosmosServerFixture.NewDatabaseOptions"/>).
    /// <paramref name="settings"/> add to or override <see cref="Settings"/>; <paramref name="services"/> replaces
    /// registrations (TimeProvider, hooks) after the app's own.
    /// </summary>
    public static async Task<TestApp> StartAsync(
        CosmosOptions cosmos, CancellationToken cancellationToken, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var values = Settings(cosmos);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var logs = new CapturingLoggerProvider();
        var collection = AppServices(configuration, logs);

        // The real quarantine writes a blob (Azurite); that path is covered end to end through the local host.
        var quarantine = new CapturingQuarantine();
        collection.AddSingleton<IQuarantine>(quarantine);
        if (settings?.ContainsKey("LogsStorage") != true)
        {
            // Without Azurite the nightly's prediction snapshots stay in memory; tests that pass Azurite use the blob store.
            collection.AddSingleton<IPredictionSnapshots>(new MemoryPredictionSnapshots());
        }

        services?.Invoke(collection);

        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        var app = new TestApp(provider, cosmos, quarantine, logs);
        try
        {
            // What the host does at start: ValidateOnStart options, then every lifecycle service's StartingAsync (Cosmos
            // creation), then every hosted service's StartAsync (model warm-up).
            provider.GetService<IStartupValidator>()?.Validate();
            var hostedServices = provider.GetServices<IHostedService>().ToList();
            foreach (var lifecycle in hostedServices.OfType<IHostedLifecycleService>())
            {
                await lifecycle.StartingAsync(cancellationToken);
            }

            foreach (var hosted in hostedServices)
            {
                await hosted.StartAsync(cancellationToken);
                app._started.Add(hosted);
            }
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hosted in Enumerable.Reverse(_started))
        {
            await hosted.StopAsync(CancellationToken.None);
        }

        await _provider.DisposeAsync();
    }
}
