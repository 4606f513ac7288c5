using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Nightly;

public static class NightlyFeature
{
    /// <summary>The nightly dispatch (timer) and the per-merchant run (queue).</summary>
    public static IServiceCollection AddNightly(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<NightlyOptions>().Bind(configuration.GetSection(NightlyOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<NightlyDispatch>();
        services.AddSingleton<NightlyMerchantRun>();
        services.AddSingleton<OutcomeTracker>();
        return services;
    }
}
