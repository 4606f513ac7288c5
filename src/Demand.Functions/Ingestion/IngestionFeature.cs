using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Ingestion;

public static class IngestionFeature
{
    /// <summary>Log parts (IngestLog), ingestion reports and real-time events; storage comes from <c>AddDemandStorage</c>.</summary>
    public static IServiceCollection AddIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IngestionOptions>().Bind(configuration.GetSection(IngestionOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IngestPart>();
        return services;
    }
}
