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

    private sealed class CosmosInitializer(DemandCosmos cosmos, IOptions<CosmosOptions> options) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) =>
            options.Value.CreateIfNotExists ? cosmos.EnsureCreatedAsync(cancellationToken) : Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
