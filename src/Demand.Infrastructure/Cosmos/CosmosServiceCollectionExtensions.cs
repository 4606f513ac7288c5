using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Demand.Infrastructure.Cosmos;

public static class CosmosServiceCollectionExtensions
{
    /// <summary>Registers the Cosmos client (singleton), <see cref="DemandCosmos"/>, and idempotent creation at start when configured.</summary>
    public static IServiceCollection AddDemandCosmos(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CosmosOptions>()
            .Bind(configuration.GetSection(CosmosOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(sp => CosmosClientFactory.Create(sp.GetRequiredService<IOptions<CosmosOptions>>().Value));
        services.AddSingleton(sp => new DemandCosmos(sp.GetRequiredService<CosmosClient>(), sp.GetRequiredService<IOptions<CosmosOptions>>().Value.DatabaseName));
        services.AddSingleton<Demand.Core.Storage.IProfileStore, CosmosProfileStore>();
        services.AddHostedService<CosmosInitializer>();
        return services;
    }

    /// <summary>
    /// Creates the database and containers in <see cref="IHostedLifecycleService.StartingAsync"/>, which the host runs
    /// before any service's StartAsync: the Functions worker connects to its host in its own StartAsync, and an
    /// invocation that arrived before the containers existed would fail (seen locally under load).
    /// </summary>
    private sealed class CosmosInitializer(DemandCosmos cosmos, IOptions<CosmosOptions> options) : IHostedLifecycleService
    {
        public Task StartingAsync(CancellationToken cancellationToken) =>
            options.Value.CreateIfNotExists ? cosmos.EnsureCreatedAsync(cancellationToken) : Task.CompletedTask;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
