using Demand.Functions.Dashboard;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Demand.Functions.Merchants;

public static class MerchantApiFeature
{
    /// <summary>API keys (cached per instance), the per-key rate limit, ProblemDetails and the OpenAPI description.</summary>
    public static IServiceCollection AddMerchantApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddProblemDetails();
        services.AddSingleton<MerchantKeyCache>();
        services.AddSingleton<ApiDescription>();
        return services;
    }

    /// <summary>
    /// The body limit around every HTTP function, then the key check (API functions) or session check (dashboard
    /// functions), then rate limit, around every merchant-scoped HTTP function (after the host's HTTP proxying).
    /// </summary>
    public static IFunctionsWorkerApplicationBuilder UseMerchantApi(this IFunctionsWorkerApplicationBuilder builder)
    {
        builder.UseMiddleware<RequestBodyMiddleware>();
        builder.UseMiddleware<ApiKeyMiddleware>();
        builder.UseMiddleware<DashboardSessionMiddleware>();
        builder.UseMiddleware<RateLimitMiddleware>();
        return builder;
    }
}
