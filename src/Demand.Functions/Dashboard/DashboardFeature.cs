using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Demand.Functions.Dashboard;

public static class DashboardFeature
{
    /// <summary>The embedded assets, the session cookie's signing key (validated at start) and its middleware's services.</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DashboardOptions>().Bind(configuration.GetSection(DashboardOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<DashboardAssets>();
        services.AddSingleton<DashboardSessions>();
        return services;
    }
}
